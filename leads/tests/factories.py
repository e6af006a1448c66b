"""factory-boy factories for the leads app: lists, leads, DNC, reference data and API access.

``ApiUserFactory`` makes a Django user who may call the legacy API: a profile that may add
leads, in a group allowed every campaign, with the password ``DEFAULT_PASSWORD``.
"""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from leads.importing.options import ImportOptions
from leads.models import (
    AltPhone,
    ApiLogEntry,
    ApiUserProfile,
    CustomFieldDefinition,
    DncNumber,
    IpList,
    IpListEntry,
    Lead,
    LeadList,
    NanpaPrefix,
    PhoneCode,
    PostalCode,
    SystemSettings,
    UserGroup,
)
from leads.models.access import ALL_CAMPAIGNS, ALL_FUNCTIONS
from leads.outcomes import DuplicateCheck
from leads.services.request import (
    AddOptions,
    DncMode,
    DuplicatePolicy,
    HopperRequest,
    PhoneChecks,
    TimeZoneMethod,
)
from leads.timezones import PHONE_CODE_ONLY

DEFAULT_PASSWORD = "test-pass-1234"


class LeadListFactory(DjangoModelFactory):
    """A list in a fresh campaign; pass ``campaign=None`` for a list without one."""

    class Meta:
        model = LeadList
        django_get_or_create = ("list_id",)

    list_id = factory.Sequence(lambda n: 10_000 + n)
    list_name = factory.LazyAttribute(lambda o: f"List {o.list_id}")
    campaign = factory.SubFactory("campaigns.tests.factories.CampaignFactory")
    active = True
    local_call_time = "campaign"


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    entry_date = factory.LazyFunction(timezone.now)
    list = factory.SubFactory(LeadListFactory)
    status = "NEW"
    phone_code = "1"
    phone_number = factory.Sequence(lambda n: f"72755{n % 100_000:05d}")
    vendor_lead_code = factory.Sequence(lambda n: f"V{n:06d}")
    source_id = "factory"
    gmt_offset_now = Decimal("-5.00")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    address1 = factory.Faker("street_address")
    city = "Clearwater"
    state = "FL"
    postal_code = "33755"
    country_code = "USA"
    gender = "U"
    email = factory.LazyAttribute(lambda o: f"lead{o.phone_number}@example.com")


class AltPhoneFactory(DjangoModelFactory):
    class Meta:
        model = AltPhone

    lead = factory.SubFactory(LeadFactory)
    alt_phone_count = 1
    phone_code = "1"
    phone_number = factory.Sequence(lambda n: f"81355{n % 100_000:05d}")
    alt_phone_note = "home"
    active = True


class DncNumberFactory(DjangoModelFactory):
    """A system DNC number; pass e.g. ``phone_number="727XXXXXXX"`` for an area-code wildcard."""

    class Meta:
        model = DncNumber
        django_get_or_create = ("phone_number",)

    phone_number = factory.Sequence(lambda n: f"90455{n % 100_000:05d}")


class CustomFieldDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = CustomFieldDefinition

    list = factory.SubFactory(LeadListFactory, keeps_custom_fields=True)
    field_label = factory.Sequence(lambda n: f"field_{n}")
    field_name = factory.LazyAttribute(lambda o: o.field_label.replace("_", " ").title())
    field_type = CustomFieldDefinition.FieldType.TEXT
    field_rank = factory.Sequence(lambda n: n % 100 + 1)
    field_order = 1
    field_size = 20
    field_max = 50
    field_default = None
    field_options = None


class PhoneCodeFactory(DjangoModelFactory):
    """A +1 area code; the defaults are Florida's 727 (Eastern, US daylight saving)."""

    class Meta:
        model = PhoneCode

    country_code = "1"
    country = "USA"
    areacode = "727"
    state = "FL"
    gmt_offset = "-5"
    dst = True
    dst_range = "SSM-FSN"
    tz_code = "EST"
    description = factory.LazyAttribute(lambda o: f"{o.state} {o.areacode}")
    iana_zone = "America/New_York"


class PostalCodeFactory(DjangoModelFactory):
    class Meta:
        model = PostalCode

    postal_code = factory.Sequence(lambda n: f"{33_700 + n % 60_000:05d}")
    state = "FL"
    gmt_offset = "-5"
    dst = True
    dst_range = "SSM-FSN"
    country_code = "1"
    iana_zone = "America/New_York"


class NanpaPrefixFactory(DjangoModelFactory):
    class Meta:
        model = NanpaPrefix
        django_get_or_create = ("areacode", "prefix")

    areacode = "727"
    prefix = factory.Sequence(lambda n: f"{200 + n % 800:03d}")
    gmt_offset = "-5"
    dst = True
    city = "Clearwater"
    state = "FL"
    postal_code = "33755"
    country = "US"


class IpListFactory(DjangoModelFactory):
    class Meta:
        model = IpList
        django_get_or_create = ("ip_list_id",)

    ip_list_id = factory.Sequence(lambda n: f"iplist{n}")
    ip_list_name = factory.LazyAttribute(lambda o: f"IP list {o.ip_list_id}")
    active = True


class IpListEntryFactory(DjangoModelFactory):
    class Meta:
        model = IpListEntry

    ip_list = factory.SubFactory(IpListFactory)
    ip_address = factory.Sequence(lambda n: f"10.0.{n // 250 % 256}.{n % 250 + 1}")


class UserGroupFactory(DjangoModelFactory):
    """A user group allowed every campaign; pass ``allowed_campaigns=" CAMP1 -"`` to restrict."""

    class Meta:
        model = UserGroup
        django_get_or_create = ("user_group",)

    user_group = factory.Sequence(lambda n: f"GROUP{n}")
    group_name = factory.LazyAttribute(lambda o: f"Group {o.user_group}")
    allowed_campaigns = ALL_CAMPAIGNS
    api_ip_list = None


class UserFactory(DjangoModelFactory):
    """A plain Django user (no API profile) with the password ``DEFAULT_PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)
    is_active = True


class ApiUserProfileFactory(DjangoModelFactory):
    """A profile that may add leads through the API (level 8, modify_leads 1, all functions)."""

    class Meta:
        model = ApiUserProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda o: f"API user {o.user.username}")
    user_level = 8
    user_group = factory.SubFactory(UserGroupFactory)
    api_access = True
    modify_leads = 1
    api_allowed_functions = f" {ALL_FUNCTIONS} "
    api_list_restrict = False
    failed_login_count = 0
    ignore_ip_list = False
    wire_profile = ApiUserProfile.WireProfile.SYSTEM


class ApiUserFactory(UserFactory):
    """A Django user with an API profile; set profile fields as ``profile__user_level=9``."""

    username = factory.Sequence(lambda n: f"api{n}")
    profile = factory.RelatedFactory(ApiUserProfileFactory, factory_related_name="user")


class SystemSettingsFactory(DjangoModelFactory):
    """The single system settings row, updated in place with the given values."""

    class Meta:
        model = SystemSettings

    use_non_latin = True
    custom_fields_enabled = True
    allow_ip_lists = False
    system_ip_blacklist = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> SystemSettings:
        row = model_class.load()
        for name, value in kwargs.items():
            setattr(row, name, value)
        row.save()
        return row


class ApiLogEntryFactory(DjangoModelFactory):
    class Meta:
        model = ApiLogEntry

    api_date = factory.LazyFunction(timezone.now)
    user = "6666"
    function = "add_lead"
    value = factory.Sequence(lambda n: f"72755{n % 100_000:05d}")
    result = "SUCCESS"
    result_reason = "add_lead LEAD HAS BEEN ADDED"
    source = "test"
    data = factory.LazyAttribute(lambda o: f"{o.value}|101|1|-5|6666|")
    api_script = "non-agent"
    run_time = 0.01
    client_ip = "127.0.0.1"
    url = factory.LazyAttribute(
        lambda o: (
            f"/API/lmapi.php?source={o.source}&user={o.user}&function={o.function}"
            f"&phone_number={o.value}&list_id=101"
        )
    )


NO_PHONE_CHECKS = PhoneChecks()


def import_options(
    *checks: DuplicateCheck,
    days: int | None = None,
    statuses: tuple[str, ...] = (),
    dnc: DncMode = DncMode.OFF,
    campaign_dnc: DncMode = DncMode.OFF,
    campaign_id: str = "",
    hopper_priority: int | None = None,
    hopper_local_call_time_check: bool = False,
    phone_checks: PhoneChecks = NO_PHONE_CHECKS,
    lookup_state: bool = False,
    time_zone: TimeZoneMethod = PHONE_CODE_ONLY,
    phone_code: str = "",
    review_duplicates: bool = False,
) -> ImportOptions:
    """Typed import options, briefly: ``import_options(DuplicateCheck.LIST, dnc=...)``;
    ``hopper_priority`` None means the hopper is not asked for."""
    hopper = (
        None
        if hopper_priority is None
        else HopperRequest(
            priority=hopper_priority, local_call_time_check=hopper_local_call_time_check
        )
    )
    return ImportOptions(
        add=AddOptions(
            phone_checks=phone_checks,
            lookup_state=lookup_state,
            dnc=dnc,
            campaign_dnc=campaign_dnc,
            campaign_id=campaign_id,
            duplicates=DuplicatePolicy(checks=checks, days=days, statuses=frozenset(statuses)),
            time_zone=time_zone,
            hopper=hopper,
        ),
        phone_code=phone_code,
        review_duplicates=review_duplicates,
    )
