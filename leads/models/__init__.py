"""Lead data: lists, leads, alt phones, custom fields, DNC, reference tables and API access."""

from .access import (
    ApiLogEntry,
    ApiUserProfile,
    IpList,
    IpListEntry,
    LoginFailureMinute,
    SystemSettings,
    UserGroup,
)
from .api_keys import ApiKey, IdempotencyRecord
from .exports import ExportJob
from .imports import DuplicateReview, ImportJob, ImportTemplate
from .lead import AltPhone, DedupeLock, DncNumber, Lead
from .lists import CustomFieldDefinition, LeadList
from .reference import NanpaPrefix, PhoneCode, PostalCode

__all__ = [
    "AltPhone",
    "ApiKey",
    "ApiLogEntry",
    "ApiUserProfile",
    "CustomFieldDefinition",
    "DedupeLock",
    "DncNumber",
    "DuplicateReview",
    "ExportJob",
    "IdempotencyRecord",
    "ImportJob",
    "ImportTemplate",
    "IpList",
    "IpListEntry",
    "Lead",
    "LeadList",
    "LoginFailureMinute",
    "NanpaPrefix",
    "PhoneCode",
    "PostalCode",
    "SystemSettings",
    "UserGroup",
]
