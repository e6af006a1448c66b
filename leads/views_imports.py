"""The spreadsheet upload pages of the admin: upload, mapping and checks, dry run, progress.

Each view checks the admin permission, validates a form, calls one service of
``leads.importing.jobs`` and renders or redirects. ``ImportJobAdmin.get_urls``
(``leads/admin/imports.py``) wires them in behind ``admin_site.admin_view`` and passes itself
as ``model_admin``, so login, CSRF and permissions are the admin's own: uploading, mapping,
starting and cancelling need the ImportJob "add" permission, looking needs "view".
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from leadhub.stored_files import stored_open
from leads.admin.filters import IMPORT_JOB_PARAMETER
from leads.forms_imports import (
    ConfirmImportForm,
    MappingForm,
    UploadForm,
    custom_fields_off_note,
    list_choice_value,
    mapping_initial,
)
from leads.importing import jobs
from leads.importing.errors import UnreadableFile
from leads.importing.options import ImportOptions
from leads.importing.results import result_xlsx_write
from leads.models import DuplicateReview, ImportJob
from leads.wording import (
    IMPORT_OUTCOME_LABELS,
    add_options_shown,
    import_outcome_label,
    import_reason_label,
)

Status = ImportJob.Status
FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)
PREVIEW_ROWS = 10
STEPS = ((1, "Upload"), (2, "Map and choose checks"), (3, "Dry run"), (4, "Import"))
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe (|)"}
# The outcomes in the order the pages list them.
OUTCOME_LABELS = IMPORT_OUTCOME_LABELS
EXAMPLES_SHOWN = 5


def url_name(name: str) -> str:
    return f"admin:leads_importjob_{name}"


def job_url(name: str, job: ImportJob) -> str:
    return reverse(url_name(name), args=[job.pk])


def result_url(job: ImportJob, kind: str) -> str:
    return reverse(url_name("result"), args=[job.pk, kind])


def job_page_url(job: ImportJob) -> str:
    """The page a job is at: mapping until its dry run starts, then dry run, then progress."""
    if job.status == Status.UPLOADED:
        return job_url("mapping", job)
    if job.status in (Status.CHECKING, Status.CHECKED):
        return job_url("dry_run", job)
    return job_url("progress", job)


def _context(request: HttpRequest, model_admin, title: str, step: int, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": ImportJob._meta,
        "title": title,
        "has_view_permission": model_admin.has_view_permission(request),
        "steps": STEPS,
        "step": step,
        **extra,
    }


def _poll(job: ImportJob, *watch: str) -> dict:
    """What the page's script needs: the JSON URL and the statuses to keep polling through."""
    return {"url": job_url("progress_json", job), "watch": list(watch)}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _job(request: HttpRequest, model_admin, pk: int, *, change: bool = False) -> ImportJob:
    _require(model_admin.has_view_permission(request))
    if change:
        _require(model_admin.has_add_permission(request))
    return get_object_or_404(ImportJob.objects.select_related("list", "created_by"), pk=pk)


def outcome_rows(counts: dict, examples: dict | None = None) -> list[dict]:
    """One row per outcome for the tally tables, with the dry run's examples grouped by
    reason (its keys read "outcome: reason code", or just "outcome")."""
    reasons: dict[str, list[dict]] = {}
    for key, shown in (examples or {}).items():
        outcome, _, code = key.partition(": ")
        reasons.setdefault(outcome, []).append(
            {"code": code, "label": import_reason_label(code), "examples": shown[:EXAMPLES_SHOWN]}
        )
    keys = [*map(str, OUTCOME_LABELS), *(key for key in counts if key not in OUTCOME_LABELS)]
    return [
        {
            "key": key,
            "label": import_outcome_label(key),
            "count": counts.get(key, 0),
            "reasons": reasons.get(key, []),
        }
        for key in keys
    ]


def options_shown(stored: dict | None) -> list[tuple[str, str]]:
    """The options that are set, as (what, how) for the job's page."""
    options = ImportOptions.from_json(stored)
    shown = add_options_shown(options.add)
    if options.phone_code:
        shown.append(("Default phone code", options.phone_code))
    if options.review_duplicates:
        shown.append(("Duplicates", "kept in the review queue"))
    return shown


# --- upload ----------------------------------------------------------------------------------


def import_upload(request: HttpRequest, model_admin) -> HttpResponse:
    _require(model_admin.has_add_permission(request))
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_job_create(
                upload=upload,
                original_name=upload.name,
                created_by=request.user,
                list_id=list_choice_value(form.cleaned_data["target_list"]),
            )
        except UnreadableFile as error:
            form.add_error("file", error.message)
        else:
            # The upload's choices pre-fill the mapping page, where they can still change.
            query = {
                "list": form.cleaned_data["target_list"],
                "phone_code": form.cleaned_data["phone_code"],
            }
            if form.cleaned_data["template"]:
                query["template"] = form.cleaned_data["template"].pk
            return redirect(f"{job_url('mapping', job)}?{urlencode(query)}")
    context = _context(request, model_admin, "Upload a spreadsheet", 1, form=form)
    return TemplateResponse(request, "admin/leads/import/upload.html", context)


# --- mapping and checks ----------------------------------------------------------------------


def import_mapping(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    job = _job(request, model_admin, pk, change=True)
    if job.status not in jobs.EDITABLE:
        messages.warning(request, "This file is being checked or imported: its mapping is fixed.")
        return redirect(job_page_url(job))
    try:
        sample = jobs.import_job_sample(job, rows=PREVIEW_ROWS)
    except UnreadableFile as error:
        sample = []
        messages.error(request, error.message)
    header = list(job.header or []) if job.has_header else []
    column_count = max([len(header), *(len(row) for row in sample)])
    initial = mapping_initial(
        job, header=header, sample=sample, column_count=column_count, query=request.GET
    )
    list_value = request.POST.get("target_list", "") if request.POST else initial["target_list"]
    form = MappingForm(
        request.POST or None, initial=initial, column_count=column_count, list_value=list_value
    )
    if request.method == "POST" and form.is_valid():
        try:
            jobs.import_job_configure(
                job=job,
                list_id=form.list_id(),
                mapping=form.mapping(),
                options=form.options(),
                has_header=form.cleaned_data["has_header"],
            )
            if form.cleaned_data["save_as_template"]:
                saved = form.save_template(job=job, created_by=request.user)
                messages.success(request, f"Template “{saved.name}” saved.")
            jobs.import_job_start_dry_run(job=job)
        except jobs.ImportConfigError as error:
            form.add_error(None, error.message)
        else:
            return redirect(job_url("dry_run", job))
    context = _context(
        request,
        model_admin,
        f"Map the columns of {job.original_name}",
        2,
        job=job,
        form=form,
        delimiter=DELIMITER_NAMES.get(job.delimiter, job.delimiter),
        columns=[
            {
                "number": i + 1,
                "header": header[i] if i < len(header) else "",
                "field": form[f"col_{i}"],
            }
            for i in range(column_count)
        ],
        rows=[row + [""] * (column_count - len(row)) for row in sample],
        standard_layout=form.standard_layout(),
        custom_fields_note=custom_fields_off_note(list_choice_value(list_value)),
        option_fields=[form[name] for name in form.option_field_names],
    )
    return TemplateResponse(request, "admin/leads/import/mapping.html", context)


# --- dry run ---------------------------------------------------------------------------------


def import_dry_run(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    job = _job(request, model_admin, pk)
    if job.status not in (Status.CHECKING, Status.CHECKED):
        return redirect(job_page_url(job))
    earlier = jobs.import_job_same_upload(job)
    data = request.POST if request.method == "POST" else None
    form = ConfirmImportForm(data, same_upload=earlier is not None)
    if request.method == "POST":
        _require(model_admin.has_add_permission(request))
        if form.is_valid():
            try:
                jobs.import_job_start_import(
                    job=job, confirm_same_upload=form.cleaned_data["confirm_same_upload"]
                )
            except jobs.ImportConfigError as error:
                form.add_error(None, error.message)
            else:
                return redirect(job_url("progress", job))
    progress = jobs.import_job_progress(job)
    counts = (progress["dry_run"] or {}).get("counts") or {}
    context = _context(
        request,
        model_admin,
        f"Dry run of {job.original_name}",
        3,
        job=job,
        form=form,
        earlier=earlier,
        progress=progress,
        running=job.status == Status.CHECKING,
        rows=outcome_rows(counts, progress["dry_run"].get("examples")),
        total=sum(counts.values()),
        can_import=model_admin.has_add_permission(request),
        poll=_poll(job, Status.CHECKING),
    )
    return TemplateResponse(request, "admin/leads/import/dry_run.html", context)


# --- progress, cancel, results ---------------------------------------------------------------


def import_progress(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    job = _job(request, model_admin, pk)
    if job.status in (Status.UPLOADED, Status.CHECKING, Status.CHECKED):
        return redirect(job_page_url(job))
    progress = jobs.import_job_progress(job)
    finished = job.status in FINISHED
    context = _context(
        request,
        model_admin,
        f"Import of {job.original_name}",
        4,
        job=job,
        progress=progress,
        finished=finished,
        rows=outcome_rows(progress["counts"]),
        can_cancel=not finished and model_admin.has_add_permission(request),
        can_resume=job.status in jobs.RESUMABLE and model_admin.has_add_permission(request),
        reviews_waiting=(
            DuplicateReview.objects.filter(import_job=job, status=DuplicateReview.Status.PENDING)
            .order_by()
            .count()
            if ImportOptions.from_json(job.options).review_duplicates
            else None
        ),
        leads_url=f"{reverse('admin:leads_lead_changelist')}?{IMPORT_JOB_PARAMETER}={job.pk}",
        options=options_shown(job.options or {}),
        poll=_poll(job, Status.QUEUED, Status.RUNNING),
    )
    return TemplateResponse(request, "admin/leads/import/progress.html", context)


def import_progress_json(request: HttpRequest, model_admin, pk: int) -> JsonResponse:
    job = _job(request, model_admin, pk)
    progress = jobs.import_job_progress(job)
    # Result files are served by import_result, behind the admin's permissions, never from
    # a public media URL.
    progress["result_csv_url"] = result_url(job, "csv") if job.result_csv else None
    progress["result_xlsx_url"] = result_url(job, "xlsx") if job.result_xlsx else None
    return JsonResponse(progress)


@require_POST
def import_cancel(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    job = jobs.import_job_cancel(job=_job(request, model_admin, pk, change=True))
    messages.info(request, "Cancel requested: rows already committed stay loaded.")
    return redirect(job_page_url(job))


@require_POST
def import_resume(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    """A cancelled or failed import goes on after its last committed batch."""
    job = _job(request, model_admin, pk, change=True)
    try:
        job = jobs.import_job_start_import(job=job, confirm_same_upload=True)
    except jobs.ImportConfigError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "The import goes on after the rows already committed.")
    return redirect(job_page_url(job))


def import_result(request: HttpRequest, model_admin, pk: int, kind: str) -> FileResponse:
    job = _job(request, model_admin, pk)
    if kind == "xlsx" and job.result_csv and not job.result_xlsx and job.status in FINISHED:
        # A stopped import's XLSX is written when first asked for (a DONE one has it).
        name = result_xlsx_write(job)
        ImportJob.objects.filter(pk=job.pk, result_xlsx="").update(result_xlsx=name)
        job.refresh_from_db()
    file = {"csv": job.result_csv, "xlsx": job.result_xlsx}.get(kind)
    if not file:
        raise Http404("This import has no result file of that kind.")
    stem = job.original_name.rsplit(".", 1)[0] or f"import-{job.pk}"
    return FileResponse(
        stored_open(file.name), as_attachment=True, filename=f"{stem}-result.{kind}"
    )


def import_job_page(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    return redirect(job_page_url(_job(request, model_admin, pk)))
