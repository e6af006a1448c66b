"""Invariants of the leads data model that the pipeline, the admin and imports rely on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from leads.models import (
    ApiUserProfile,
    CustomFieldDefinition,
    DncNumber,
    Lead,
    LeadList,
    SystemSettings,
    UserGroup,
)
from leads.pipeline.dnc import dnc_number_blocked
from leads.selectors import custom_fields_storing
from leads.tests.factories import (
    ApiUserFactory,
    CustomFieldDefinitionFactory,
    DncNumberFactory,
    LeadFactory,
    LeadListFactory,
)

# --- LeadList.list_id: a number of 3 to 12 digits -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("list_id", [100, 101, 999, 123456789012])
def test_list_id_of_3_to_12_digits_is_valid(list_id):
    LeadList(list_id=list_id, list_name="ok").full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("list_id", [0, 7, 99, 1234567890123, -100])
def test_list_id_shorter_than_3_or_longer_than_12_digits_or_signed_is_invalid(list_id):
    with pytest.raises(ValidationError) as excinfo:
        LeadList(list_id=list_id, list_name="bad").full_clean()
    assert "list_id" in excinfo.value.message_dict


@pytest.mark.django_db
def test_list_id_is_unique():
    LeadListFactory(list_id=555, campaign=None)
    with pytest.raises(ValidationError) as excinfo:
        LeadList(list_id=555, list_name="again").full_clean()
    assert "list_id" in excinfo.value.message_dict


# --- Lead columns ---------------------------------------------------------------------------

# Contract §3.13: the widths the original's columns cut values to.
CONTRACT_COLUMN_WIDTHS = {
    "vendor_lead_code": 20,
    "source_id": 50,
    "phone_code": 10,
    "phone_number": 18,
    "title": 4,
    "first_name": 30,
    "middle_initial": 1,
    "last_name": 30,
    "address1": 100,
    "address2": 100,
    "address3": 100,
    "city": 50,
    "state": 2,
    "province": 50,
    "postal_code": 10,
    "country_code": 3,
    "alt_phone": 12,
    "email": 70,
    "security_phrase": 100,
    "comments": 255,
    "owner": 20,
    "user": 20,
}


@pytest.mark.parametrize(("field", "width"), sorted(CONTRACT_COLUMN_WIDTHS.items()))
def test_lead_column_widths_follow_the_contract(field, width):
    assert Lead._meta.get_field(field).max_length == width


@pytest.mark.django_db
def test_new_lead_defaults_match_the_original_insert():
    """Status NEW, phone code 1, gender U, not called; an unknown offset is NULL, not 0."""
    lead = Lead.objects.create(
        list=LeadListFactory(campaign=None),
        phone_number="7275551234",
        entry_date="2025-01-02T03:04:05Z",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.phone_code, lead.gender) == ("NEW", "1", "U")
    assert (lead.called_since_last_reset, lead.called_count, lead.rank) == ("N", 0, 0)
    assert lead.gmt_offset_now is None
    assert lead.date_of_birth is None
    assert lead.modify_date is not None


@pytest.mark.django_db
def test_lead_may_name_a_list_that_has_no_row():
    """The API accepts undefined lists, so a lead's list id needs no LeadList row."""
    lead = LeadFactory(list_id=424242)
    assert Lead.objects.filter(list_id=424242).get() == lead
    assert not LeadList.objects.filter(list_id=424242).exists()


# --- The ``ci`` lookup: duplicate checks ignore case and trailing spaces (contract §3.11) ---


@pytest.mark.django_db
def test_ci_lookup_ignores_case_and_trailing_spaces_of_the_value():
    lead = LeadFactory(title="DR")
    assert list(Lead.objects.filter(title__ci="dr ")) == [lead]
    assert list(Lead.objects.filter(title__ci="Dr")) == [lead]


@pytest.mark.django_db
def test_ci_lookup_ignores_trailing_spaces_of_the_stored_column():
    lead = LeadFactory(first_name="Anna  ", last_name="SMITH")
    assert list(Lead.objects.filter(first_name__ci="ANNA", last_name__ci="smith ")) == [lead]


@pytest.mark.django_db
def test_ci_lookup_keeps_leading_spaces_and_other_letters_significant():
    LeadFactory(title="DR")
    assert not Lead.objects.filter(title__ci=" dr").exists()
    assert not Lead.objects.filter(title__ci="drs").exists()
    assert not Lead.objects.filter(title__ci="d").exists()


@pytest.mark.django_db
def test_ci_lookup_serves_the_name_phone_duplicate_check():
    """DUPNAMEPHONE*: same first and last name (any case, trailing spaces) and same phone."""
    lead = LeadFactory(first_name="José", last_name="OBrien", phone_number="7275550101")
    LeadFactory(first_name="Jose", last_name="OBrien", phone_number="7275550102")
    found = Lead.objects.filter(
        first_name__ci="josé ", last_name__ci="OBRIEN", phone_number="7275550101"
    )
    assert list(found) == [lead]


@pytest.mark.django_db
def test_ci_lookup_serves_the_title_alt_phone_duplicate_check():
    """DUPTITLEALTPHONE*: same title (any case) and same alt_phone."""
    lead = LeadFactory(title="Mr", alt_phone="8135550000")
    LeadFactory(title="Mrs", alt_phone="8135550000")
    found = Lead.objects.filter(title__ci="MR ", alt_phone__ci="8135550000")
    assert list(found) == [lead]


def _served_by_index(queryset, index: str) -> bool:
    """Whether the database can answer the query from an index (not a full table scan)."""
    if connection.vendor == "postgresql":
        # Tiny tables make a sequential scan cheapest; ask whether an index *can* serve it.
        # The planner may pick any usable index (e.g. list_id's), so only a full scan fails.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        return "Seq Scan" not in queryset.explain()
    # SQLite names the index it uses; MariaDB lists the candidates in possible_keys.
    return index in queryset.explain()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ({"phone_number": "7275550000", "list_id": 101}, "lead_phone_list"),
        ({"phone_number": "7275550000"}, "lead_phone_list"),
        ({"alt_phone": "7275550000"}, "lead_alt_title"),
        ({"title__ci": "mr", "alt_phone__ci": "7275550000"}, "lead_alt_title"),
    ],
    ids=["phone-in-list", "phone-in-system", "alt-phone", "title-alt-phone-ci"],
)
def test_duplicate_checks_can_use_an_index(lookup, index):
    """The duplicate lookups of contract §3.11 are served by an index on every backend
    (for ``ci``: ``lead_alt_title_ci`` on PostgreSQL and SQLite, the plain index under
    MariaDB's _ci collation)."""
    LeadFactory.create_batch(3)
    assert _served_by_index(Lead.objects.filter(**lookup).values("lead_id"), index)


# --- DNC: system numbers and area-code wildcards --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("match_areacode", [False, True])
def test_system_dnc_blocks_the_exact_number(match_areacode):
    DncNumberFactory(phone_number="7275550000")
    assert dnc_number_blocked("7275550000", match_areacode=match_areacode)
    assert not dnc_number_blocked("7275550001", match_areacode=match_areacode)


@pytest.mark.django_db
def test_system_dnc_area_code_wildcard_blocks_only_with_match_areacode():
    DncNumberFactory(phone_number="212XXXXXXX")
    assert dnc_number_blocked("2125551234", match_areacode=True)
    assert not dnc_number_blocked("2125551234", match_areacode=False)
    assert not dnc_number_blocked("7275551234", match_areacode=True)


@pytest.mark.django_db
def test_system_dnc_number_is_unique():
    DncNumber.objects.create(phone_number="7275550000")
    with pytest.raises(IntegrityError), transaction.atomic():
        DncNumber.objects.create(phone_number="7275550000")


# --- Custom fields, settings and API access -------------------------------------------------


@pytest.mark.django_db
def test_custom_field_label_is_unique_per_list():
    field = CustomFieldDefinitionFactory(field_label="color")
    CustomFieldDefinitionFactory(field_label="color")  # another list: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomFieldDefinition.objects.create(list=field.list, field_label="color")


@pytest.mark.django_db
def test_system_settings_is_a_single_row():
    first = SystemSettings.load()
    SystemSettings(use_non_latin=False).save()
    assert SystemSettings.objects.count() == 1
    first.refresh_from_db()
    assert first.pk == 1 and first.use_non_latin is False


@pytest.mark.parametrize(
    ("allowed_campaigns", "expected"),
    [
        ("-ALL-CAMPAIGNS-", True),
        (" -all-campaigns- - ", True),
        (" TESTCAMP -", False),
        ("", False),
    ],
)
def test_user_group_allows_all_campaigns_on_ALL_case_insensitively(allowed_campaigns, expected):
    assert UserGroup(allowed_campaigns=allowed_campaigns).allows_all_campaigns is expected


def test_user_group_campaign_ids_are_the_words_without_the_dash_terminator():
    group = UserGroup(allowed_campaigns=" TESTCAMP CAMP2 -")
    assert group.campaign_ids == {"TESTCAMP", "CAMP2"}
    assert UserGroup(allowed_campaigns="").campaign_ids == set()


@pytest.mark.parametrize(
    ("allowed", "function", "expected"),
    [
        (" ALL_FUNCTIONS ", "add_lead", True),
        (" ALL_FUNCTIONS ", "version", True),
        (" add_lead update_lead ", "add_lead", True),
        (" add_lead update_lead ", "update_lead", True),
        (" add_lead update_lead ", "version", False),
        (" add_lead update_lead ", "add", False),
        # The original matches " name " with its spaces: a bare name allows nothing.
        ("add_lead", "add_lead", False),
        ("", "add_lead", False),
    ],
)
def test_api_profile_allows_function_matches_space_delimited_names(allowed, function, expected):
    profile = ApiUserProfile(api_allowed_functions=allowed)
    assert profile.allows_function(function) is expected


@pytest.mark.django_db
def test_api_user_factory_makes_a_user_who_may_add_leads():
    from leads.tests.factories import DEFAULT_PASSWORD

    user = ApiUserFactory(profile__user_level=9)
    assert user.check_password(DEFAULT_PASSWORD)
    profile = user.api_profile
    assert profile.user_level == 9 and profile.api_access and profile.modify_leads == 1
    assert profile.allows_function("add_lead")
    assert profile.user_group.allows_all_campaigns


@pytest.mark.django_db
def test_custom_fields_storing_leaves_out_display_types_and_standard_column_labels():
    """``stores_value`` is the one rule; ``custom_fields_storing`` applies it per list."""
    lead_list = LeadListFactory()
    kept = CustomFieldDefinitionFactory(list=lead_list, field_label="favourite", field_rank=1)
    for rank, kind in enumerate(sorted(CustomFieldDefinition.NON_STORING_TYPES), start=2):
        CustomFieldDefinitionFactory(
            list=lead_list, field_label=kind.lower(), field_type=kind, field_rank=rank
        )
    CustomFieldDefinitionFactory(list=lead_list, field_label="phone_number", field_rank=9)

    assert custom_fields_storing(lead_list.list_id) == [kept]
