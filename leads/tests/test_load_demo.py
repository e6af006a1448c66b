"""``manage.py load_demo``: the demo data ./dev serve starts with, loaded idempotently."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaigns.models import CallTime, Campaign
from leads.models import ApiUserProfile, DncNumber, LeadList, PhoneCode, SystemSettings, UserGroup
from leads.tests.factories import PhoneCodeFactory

DEMO_MODELS = (
    get_user_model(),
    ApiUserProfile,
    UserGroup,
    CallTime,
    Campaign,
    LeadList,
    DncNumber,
    PhoneCode,
    SystemSettings,
)


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every column of every demo table (timestamps and password hashes included)."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in DEMO_MODELS}


@pytest.fixture
def no_admin_password_env(monkeypatch):
    monkeypatch.delenv("LEADHUB_ADMIN_PASSWORD", raising=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_admin_password_env")
def test_load_demo_twice_leaves_the_same_state():
    load_demo()
    first = snapshot()
    second_output = load_demo()
    assert snapshot() == first
    assert "created" not in second_output


@pytest.mark.django_db
@pytest.mark.usefixtures("no_admin_password_env")
def test_load_demo_prints_a_generated_admin_password_once():
    first_output = load_demo()
    password = first_output.split("Admin password: ", 1)[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(password)
    assert "Admin password" not in load_demo()


@pytest.mark.django_db
def test_load_demo_takes_the_admin_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("LEADHUB_ADMIN_PASSWORD", "first-secret")
    output = load_demo()
    assert "Admin password" not in output
    assert get_user_model().objects.get(username="admin").check_password("first-secret")

    monkeypatch.setenv("LEADHUB_ADMIN_PASSWORD", "second-secret")
    load_demo()
    assert get_user_model().objects.get(username="admin").check_password("second-secret")


@pytest.mark.django_db
@pytest.mark.usefixtures("no_admin_password_env")
def test_load_demo_api_user_6666_may_add_leads_with_1234_and_is_flagged_as_demo_only():
    output = load_demo()
    user = get_user_model().objects.get(username="6666")
    assert user.check_password("1234") and not user.is_staff
    profile = user.api_profile
    assert (profile.user_level, profile.modify_leads, profile.api_access) == (9, 1, True)
    assert profile.api_allowed_functions == " ALL_FUNCTIONS "
    assert profile.user_group_id == "ADMIN" and profile.user_group.allows_all_campaigns
    assert "the well-known dialer default, for demos only" in output


@pytest.mark.django_db
@pytest.mark.usefixtures("no_admin_password_env")
def test_load_demo_dialer_setup():
    load_demo()
    campaign = Campaign.objects.get(campaign_id="TESTCAMP")
    assert campaign.local_call_time_id == "24hours"
    assert CallTime.objects.get(call_time_id="24hours").window_for("monday") == (0, 2400)
    assert LeadList.objects.get(list_id=999).campaign_id is None
    assert LeadList.objects.get(list_id=101).campaign_id == "TESTCAMP"
    assert set(DncNumber.objects.values_list("phone_number", flat=True)) == {
        "7275550000",
        "212XXXXXXX",
    }
    assert SystemSettings.objects.filter(pk=1).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("no_admin_password_env")
def test_load_demo_phone_codes_and_kept_reference_rows():
    """Demo area codes are added only where no row exists, so a loaded table is kept."""
    PhoneCodeFactory(areacode="212", state="NY", description="from the reference CSV")
    load_demo()
    rows = {row.areacode: row for row in PhoneCode.objects.filter(country_code="1")}
    assert set(rows) == {"727", "212", "602", "310"}
    assert rows["212"].description == "from the reference CSV"
    assert (rows["727"].state, rows["727"].gmt_offset, rows["727"].dst_range) == (
        "FL",
        "-5",
        "SSM-FSN",
    )
    assert (rows["602"].gmt_offset, rows["602"].dst) == ("-7", False)
    assert (rows["310"].state, rows["310"].gmt_offset) == ("CA", "-8")
