"""Lead data: lists, leads, alt phones, custom fields, DNC, reference tables and API access."""

from .access import ApiLogEntry, ApiUserProfile, IpList, IpListEntry, SystemSettings, UserGroup
from .lead import AltPhone, DncNumber, Lead
from .lists import CustomFieldDefinition, LeadList
from .reference import NanpaPrefix, PhoneCode, PostalCode

__all__ = [
    "AltPhone",
    "ApiLogEntry",
    "ApiUserProfile",
    "CustomFieldDefinition",
    "DncNumber",
    "IpList",
    "IpListEntry",
    "Lead",
    "LeadList",
    "NanpaPrefix",
    "PhoneCode",
    "PostalCode",
    "SystemSettings",
    "UserGroup",
]
