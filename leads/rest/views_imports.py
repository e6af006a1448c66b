"""Import jobs over the JSON door: post a lead file with its list, mapping and options (a dry
run or the import), poll its progress, fetch its result file. The upload page's service
(``importing.jobs``) does the work, as a background task."""

import json

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from leadhub.stored_files import stored_open

from ..importing import jobs
from ..importing.errors import UnreadableFile
from ..importing.options import ImportOptions
from ..models import ImportJob
from . import problems, schema
from .auth import allowed_list_ids, request_profile
from .base import ApiView, dry_run_requested
from .idempotency import idempotent
from .problems import Problem


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The lead file: CSV, TXT, XLSX, XLS or ODS.")
    list_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="The list every row goes to; absent: each row's list_id column.",
    )
    mapping = serializers.JSONField(
        required=False,
        help_text='{"<column index from 0>": "<lead field or custom field label>"}; absent: '
        "the columns mapped by their headings.",
    )
    options = serializers.JSONField(
        required=False,
        help_text="The import's options: the lead options' names (see leads_add) plus "
        "phone_code (rows without one) and review_duplicates.",
    )
    has_header = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Absent: as detected."
    )
    confirm_same_upload = serializers.BooleanField(
        default=False, help_text="Load a file already loaded into this list again."
    )


class ImportProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The import job.")
    status = serializers.CharField(help_text="uploaded, checking, checked, queued, running, ...")
    status_label = serializers.CharField(help_text="The status in words.")
    rows_done = serializers.IntegerField(help_text="Rows handled so far.")
    total_rows = serializers.IntegerField(allow_null=True, help_text="Rows in the file.")
    percent = serializers.FloatField(help_text="0 to 100.")
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows by outcome (added, duplicate_db, ...)."
    )
    rows_per_second = serializers.FloatField(allow_null=True, help_text="Speed so far.")
    seconds_left = serializers.FloatField(allow_null=True, help_text="Estimate, or null.")
    dry_run = serializers.DictField(help_text="A dry run's tally (empty otherwise).")
    error = serializers.CharField(allow_blank=True, help_text="Why a job failed.")
    cancel_requested = serializers.BooleanField(help_text="Whether it is being stopped.")
    result_csv = serializers.CharField(
        allow_null=True, help_text="URL of the CSV result file once written, else null."
    )
    result_xlsx = serializers.CharField(
        allow_null=True, help_text="URL of the XLSX result file once written, else null."
    )


def _progress(job: ImportJob) -> dict:
    progress = jobs.import_job_progress(job)
    base = f"/api/v1/imports/{job.pk}/result/"
    progress.pop("result_csv_url")
    progress.pop("result_xlsx_url")
    progress["result_csv"] = f"{base}?kind=csv" if job.result_csv else None
    progress["result_xlsx"] = f"{base}?kind=xlsx" if job.result_xlsx else None
    return progress


def _mapping(value, default: dict) -> dict[int, str]:
    mapping = default if value is None else value
    if isinstance(mapping, str):
        mapping = json.loads(mapping)
    if not isinstance(mapping, dict) or not all(str(k).isdigit() for k in mapping):
        raise ValueError('mapping must be an object such as {"0": "phone_number"}')
    return {int(column): str(name) for column, name in mapping.items()}


class ImportCollectionView(ApiView):
    api_function = "add_lead"
    writes = True
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_start",
        summary="Import a lead file (or dry-run it)",
        description="Uploads the file, sets its list, mapping and options, and starts the "
        "dry run (?dry_run=true) or the import as a background job; poll its Location.",
        request={"multipart/form-data": ImportRequestSerializer},
        parameters=[schema.DRY_RUN, schema.IDEMPOTENCY_KEY],
        responses={202: ImportProgressSerializer, **schema.write_problems()},
    )
    def post(self, request) -> Response:
        return idempotent(request, lambda: self._start(request))

    def _start(self, request) -> Response:
        wanted = ImportRequestSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        data = wanted.validated_data
        allowed = allowed_list_ids(request_profile(request))
        list_id = data.get("list_id")
        if allowed is not None and (list_id is None or str(list_id) not in allowed):
            raise Problem(problems.LIST_NOT_ALLOWED, "You may not import into this list.")
        upload = data["file"]
        try:
            options = data.get("options") or {}
            if isinstance(options, str):
                options = json.loads(options)
            import_options = ImportOptions.from_json(options)
            job = jobs.import_job_create(
                upload=upload, original_name=upload.name, created_by=request.user
            )
            job = jobs.import_job_configure(
                job=job,
                list_id=list_id,
                mapping=_mapping(data.get("mapping"), job.mapping),
                options=import_options,
                has_header=job.has_header if data["has_header"] is None else data["has_header"],
            )
            if dry_run_requested(request):
                job = jobs.import_job_start_dry_run(job=job)
            else:
                job = jobs.import_job_start_import(
                    job=job, confirm_same_upload=data["confirm_same_upload"]
                )
        except UnreadableFile as error:
            raise Problem(problems.UNREADABLE_FILE, error.message) from None
        except jobs.ImportConfigError as error:
            raise Problem(problems.IMPORT_NOT_CONFIGURED, error.message) from None
        except (ValueError, TypeError) as error:
            raise Problem(problems.IMPORT_NOT_CONFIGURED, str(error)) from None
        return Response(
            _progress(job),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/imports/{job.pk}/"},
        )


def _own_job(request, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=job_id, created_by=request.user)


class ImportDetailView(ApiView):
    api_function = "add_lead"

    @extend_schema(
        operation_id="imports_progress",
        summary="An import's progress",
        responses={200: ImportProgressSerializer, **schema.read_problems(not_found=True)},
    )
    def get(self, request, job_id: int) -> Response:
        return Response(_progress(_own_job(request, job_id)))


class ImportResultView(ApiView):
    api_function = "add_lead"

    @extend_schema(
        operation_id="imports_result",
        summary="An import's result file",
        description="Every row of the file with its outcome: CSV (written as the import "
        "runs) or XLSX (written when it ends).",
        parameters=[
            OpenApiParameter(
                "format",
                str,
                OpenApiParameter.QUERY,
                enum=["csv", "xlsx"],
                description="csv or xlsx (default csv).",
            )
        ],
        responses={
            (200, "text/csv"): bytes,
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            **schema.read_problems(not_found=True),
            **schema.as_problems({409: schema.problem_answer("result-not-ready")}),
        },
    )
    def get(self, request, job_id: int):
        job = _own_job(request, job_id)
        # Not "format": DRF reads that parameter to choose a renderer.
        kind = request.query_params.get("kind", "csv")
        if kind not in {"csv", "xlsx"}:
            raise Problem(problems.VALIDATION, errors={"kind": ["csv or xlsx"]})
        stored = job.result_csv if kind == "csv" else job.result_xlsx
        if not stored:
            raise Problem(problems.RESULT_NOT_READY)
        content_type = (
            "text/csv"
            if kind == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return FileResponse(
            stored_open(stored.name),
            content_type=content_type,
            as_attachment=True,
            filename=f"import-{job.pk}-result.{kind}",
        )
