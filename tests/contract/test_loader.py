"""``load_state`` builds contract states faithfully; ``apply_overlay`` never touches its input."""

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from campaigns.models import CallTime, Campaign, CampaignDnc, StateCallTime
from leads.models import (
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

from .corpus import default_corpus, read_cases, read_state
from .loader import StateError, apply_overlay, load_state

pytestmark = pytest.mark.django_db

EST = dt.timezone(dt.timedelta(hours=-5))


@pytest.fixture
def f0() -> dict:
    return read_state(default_corpus().parent, "F0")


def overlay_of(case_id: str) -> list[dict]:
    return next(c["overlay"] for c in read_cases(default_corpus()) if c["id"] == case_id)


def profile(user: str) -> ApiUserProfile:
    return ApiUserProfile.objects.select_related("user").get(user__username=user)


def test_f0_has_one_row_per_record(f0):
    load_state(f0)

    assert get_user_model().objects.count() == len(f0["users"])
    assert ApiUserProfile.objects.count() == len(f0["users"])
    assert UserGroup.objects.count() == len(f0["user_groups"])
    assert IpList.objects.count() == len(f0["ip_lists"])
    assert CallTime.objects.count() == len(f0["call_times"])
    assert StateCallTime.objects.count() == len(f0["state_call_times"])
    assert Campaign.objects.count() == len(f0["campaigns"])
    assert CampaignDnc.objects.count() == len(f0["campaign_dnc"])
    assert LeadList.objects.count() == len(f0["lists"])
    assert CustomFieldDefinition.objects.count() == len(f0["custom_fields"])
    assert PhoneCode.objects.count() == len(f0["phone_codes"])
    assert PostalCode.objects.count() == len(f0["postal_codes"])
    assert NanpaPrefix.objects.count() == len(f0["nanpa_prefixes"]) == 0
    assert DncNumber.objects.count() == len(f0["dnc"])
    assert Lead.objects.count() == len(f0["leads"])
    assert SystemSettings.objects.count() == 1


def test_f0_settings(f0):
    load_state(f0)

    system = SystemSettings.objects.get(pk=1)
    assert system.use_non_latin is False  # explicit in F0: D17's default does not apply
    assert system.custom_fields_enabled is True
    assert system.allow_ip_lists is False
    assert system.system_ip_blacklist_id is None


def test_f0_users(f0):
    load_state(f0)

    assert get_user_model().objects.get(username="6666").check_password("1234")
    assert get_user_model().objects.get(username="MyUser").check_password("MyPass")
    assert get_user_model().objects.get(username="inactive").is_active is False
    assert profile("6666").api_allowed_functions == " ALL_FUNCTIONS "
    assert profile("fnadd").api_allowed_functions == " add_lead update_lead "
    assert profile("fnnospace").api_allowed_functions == "add_lead"  # the raw, malformed text
    assert profile("nomod").modify_leads == 0
    assert profile("restrict").api_list_restrict is True
    assert profile("ignoreip").ignore_ip_list is True
    assert profile("agent1").user_level == 1
    assert {p.wire_profile for p in ApiUserProfile.objects.all()} == {""}


def test_locked_user_keeps_latest_failure_time(f0):
    """D7: with 10 failures the stored last login is the time of the latest failure."""
    load_state(f0)

    locked = profile("locked")
    assert locked.failed_login_count == 10
    assert locked.last_login_date == dt.datetime(2025, 1, 15, 11, 59, tzinfo=EST)
    assert profile("stale").last_login_date == dt.datetime(2025, 1, 15, 11, 44, tzinfo=EST)
    assert profile("nine").failed_login_count == 9


def test_dangling_group_is_kept(f0):
    load_state(f0)

    assert profile("badgroup").user_group_id == "NOGROUP"
    assert not UserGroup.objects.filter(user_group="NOGROUP").exists()


def test_groups_campaigns_and_call_times(f0):
    load_state(f0)

    admin = UserGroup.objects.get(user_group="ADMIN")
    assert admin.allows_all_campaigns
    assert UserGroup.objects.get(user_group="RESTRICTED").campaign_ids == {"TESTCAMP"}
    other = Campaign.objects.get(campaign_id="OTHER")
    assert other.use_other_campaign_dnc_id == "DNCCAMP"
    assert other.local_call_time_id == "24hours"
    statect = CallTime.objects.get(call_time_id="statect")
    assert [r.state_call_time_id for r in statect.state_rules.all()] == ["FLsct"]
    assert statect.window_for("monday") == (0, 2400)
    assert CallTime.objects.get(call_time_id="never").window_for("sunday") == (0, 0)


def test_lists_and_custom_fields(f0):
    load_state(f0)

    assert LeadList.objects.get(list_id=999).campaign_id is None
    assert LeadList.objects.get(list_id=104).local_call_time == "never"
    assert set(
        LeadList.objects.filter(keeps_custom_fields=True).values_list("list_id", flat=True)
    ) == {101, 103, 106}
    color = CustomFieldDefinition.objects.get(list_id=101, field_label="favorite_color")
    assert color.field_default == "green"
    assert (
        CustomFieldDefinition.objects.get(list_id=101, field_label="pet_name").field_default is None
    )
    # D9: has_storage is ignored, the definition is loaded all the same.
    assert CustomFieldDefinition.objects.filter(list_id=106, field_label="ghost_col").exists()


def test_reference_tables_keep_table_order_and_text_offsets(f0):
    load_state(f0)

    rows = list(PhoneCode.objects.order_by("id"))
    assert [(r.country_code, r.areacode) for r in rows] == [
        (r["country_code"], r["areacode"]) for r in f0["phone_codes"]
    ]
    assert PhoneCode.objects.get(country_code="61").gmt_offset == "+10"
    assert PostalCode.objects.get(postal_code="33701").gmt_offset == "-5.0"
    assert set(DncNumber.objects.values_list("phone_number", flat=True)) == set(f0["dnc"])


def test_leads_take_fresh_lead_defaults(f0):
    load_state(f0)

    lead = Lead.objects.get(lead_id=8765445)
    assert lead.list_id == 102
    assert lead.title == "MR"
    assert lead.alt_phone == "7275553333"
    assert lead.entry_date == dt.datetime(
        2024, 6, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=-4))
    )
    assert lead.gmt_offset_now == Decimal("-5")
    assert lead.last_local_call_time == lead.entry_date
    assert (lead.gender, lead.called_since_last_reset, lead.entry_list_id) == ("U", "N", 0)
    assert lead.date_of_birth is None
    assert lead.custom_values is None


def test_next_lead_id_is_honoured(f0):
    load_state(f0)

    lead = Lead.objects.create(list_id=999, entry_date=dt.datetime.now(EST), phone_number="1")
    if connection.vendor in ("sqlite", "postgresql"):
        assert lead.lead_id == f0["next_lead_id"]
    else:  # MariaDB: the counter only grows, rolled-back tests included
        assert lead.lead_id >= f0["next_lead_id"]


def test_list_with_dangling_campaign_loads(f0):
    state = apply_overlay(
        f0,
        [
            {
                "op": "add",
                "collection": "lists",
                "value": {
                    "list_id": "401",
                    "name": "L401",
                    "campaign_id": "GHOST",
                    "active": True,
                    "local_call_time": "campaign",
                },
            }
        ],
    )
    load_state(state)

    assert LeadList.objects.get(list_id=401).campaign_id == "GHOST"
    assert not Campaign.objects.filter(campaign_id="GHOST").exists()


def test_case_overlays_are_applied(f0):
    load_state(apply_overlay(f0, overlay_of("A18") + overlay_of("H20") + overlay_of("D18")))

    assert SystemSettings.objects.get(pk=1).allow_ip_lists is True
    assert UserGroup.objects.get(user_group="ADMIN").api_ip_list_id == "APIWL"
    assert list(IpListEntry.objects.values_list("ip_list_id", "ip_address")) == [
        ("APIWL", "127.0.0.1")
    ]
    day_and_night = CallTime.objects.get(call_time_id="24hours")
    assert (day_and_night.default_start, day_and_night.default_stop) == (2100, 300)
    assert DncNumber.objects.filter(phone_number="7275551111").exists()


def test_overlay_operations(f0):
    state = apply_overlay(
        f0,
        [
            {"op": "set", "path": "settings.system_ip_blacklist", "value": "BLK"},
            {
                "op": "add",
                "collection": "nanpa_prefixes",
                "value": {
                    "areacode": "727",
                    "prefix": "555",
                    "gmt_offset": "-5",
                    "dst": True,
                    "city": "",
                    "state": "",
                    "postal_code": "",
                    "country": "",
                },
            },
            {
                "op": "update",
                "collection": "custom_fields",
                "key": "101:pet_name",
                "value": {"field_default": "Rex"},
            },
            {"op": "remove", "collection": "users", "key": "nine"},
            {"op": "remove", "collection": "leads", "key": 8765447},
            {"op": "remove", "collection": "campaign_dnc", "key": "TESTCAMP:602XXXXXXX"},
            {"op": "original_only", "sql": ["UPDATE system_settings SET x=1"]},
        ],
    )
    load_state(state)

    assert SystemSettings.objects.get(pk=1).system_ip_blacklist_id == "BLK"
    assert NanpaPrefix.objects.get(areacode="727", prefix="555").gmt_offset == "-5"
    assert CustomFieldDefinition.objects.get(field_label="pet_name").field_default == "Rex"
    assert not ApiUserProfile.objects.filter(user__username="nine").exists()
    assert not Lead.objects.filter(lead_id=8765447).exists()
    assert CampaignDnc.objects.count() == len(f0["campaign_dnc"]) - 1


def test_overlay_never_mutates_its_input(f0):
    before = copy.deepcopy(f0)
    ops = overlay_of("A18") + [
        {"op": "update", "collection": "users", "key": "6666", "value": {"pass": "x"}}
    ]

    result = apply_overlay(f0, ops)
    result["users"][0]["full_name"] = "changed"
    result["settings"]["use_non_latin"] = True

    assert f0 == before
    assert result is not f0
    assert ops[0]["value"] is not result["ip_lists"][0]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "update", "collection": "users", "key": "nobody", "value": {}},
        {"op": "remove", "collection": "lists", "key": "4242"},
        {"op": "add", "collection": "dnc", "value": "212XXXXXXX"},
        {"op": "update", "collection": "phone_codes", "key": "1", "value": {}},
        {"op": "add", "collection": "no_such_table", "value": {}},
        {"op": "rename", "collection": "users"},
    ],
)
def test_bad_overlays_are_refused(f0, op):
    with pytest.raises(StateError):
        apply_overlay(f0, [op])


def test_loading_twice_replaces_the_first_state(f0):
    load_state(f0)
    load_state(apply_overlay(f0, [{"op": "remove", "collection": "users", "key": "nine"}]))

    assert get_user_model().objects.count() == len(f0["users"]) - 1
    assert Lead.objects.count() == len(f0["leads"])


def test_other_states_load(f0):
    state = copy.deepcopy(f0)
    state["call_times"].append(
        {
            "id": "office",
            "name": "Office",
            "default_start": 900,
            "default_stop": 1700,
            "days": {"saturday": [1000, 1400]},
            "state_rules": [],
        }
    )
    state["leads"] = [
        {
            "lead_id": 5,
            "list_id": "777",
            "phone_number": "7275550000",
            "date_of_birth": "0000-00-00",
            "entry_date": "2025-01-02 03:04:05",
            "modify_date": "2025-01-03T00:00:00-05:00",
        }
    ]
    state["next_lead_id"] = 100

    load_state(state)

    office = CallTime.objects.get(call_time_id="office")
    assert office.window_for("saturday") == (1000, 1400)
    assert office.window_for("monday") == (900, 1700)
    lead = Lead.objects.get(lead_id=5)
    assert (lead.status, lead.phone_code, lead.date_of_birth, lead.list_id) == (
        "NEW",
        "1",
        None,
        777,
    )
    assert lead.entry_date == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=EST)  # naive: TIME_ZONE
    assert lead.modify_date == dt.datetime(2025, 1, 3, tzinfo=EST)


def test_unknown_fields_are_refused(f0):
    state = copy.deepcopy(f0)
    state["leads"][0]["favourite_colour"] = "blue"

    with pytest.raises(StateError, match="favourite_colour"):
        load_state(state)
