"""The S3 storage's settings, read from the environment (README, "File storage").

``settings`` uses ``s3_storage`` when LEADHUB_S3_BUCKET is set; the tests build the same
settings for their local S3 emulator, so that what they pin is what production runs.
"""

from collections.abc import Mapping

MB = 1024 * 1024


def s3_storage(env: Mapping[str, str]) -> dict:
    """``STORAGES["default"]`` for django-storages' S3 backend from the LEADHUB_S3_* variables.

    Credentials: LEADHUB_S3_ACCESS_KEY_ID / LEADHUB_S3_SECRET_ACCESS_KEY when set, else boto3's
    own chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role...).
    """
    from boto3.s3.transfer import TransferConfig

    # Parts of 8 MB, two at a time; s3transfer reads up to max_in_memory_upload_chunks parts
    # of an upload ahead into memory (10 by default).
    transfer = TransferConfig(
        multipart_threshold=8 * MB, multipart_chunksize=8 * MB, max_concurrency=2
    )
    transfer.max_in_memory_upload_chunks = 2
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["LEADHUB_S3_BUCKET"],
            "endpoint_url": env.get("LEADHUB_S3_ENDPOINT_URL") or None,
            "region_name": env.get("LEADHUB_S3_REGION") or None,
            "access_key": env.get("LEADHUB_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("LEADHUB_S3_SECRET_ACCESS_KEY") or None,
            "location": env.get("LEADHUB_S3_PREFIX", "").strip("/"),
            "addressing_style": env.get("LEADHUB_S3_ADDRESSING_STYLE") or None,
            # Private files: LeadHub's own views serve them after their permission checks.
            "default_acl": None,
            "file_overwrite": True,
            # A file opened through the storage API spills to disk past 1 MB, and uploads go
            # in 8 MB parts: memory stays bounded whatever the file's size.
            "max_memory_size": MB,
            "transfer_config": transfer,
        },
    }
