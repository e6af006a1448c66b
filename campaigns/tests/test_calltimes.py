"""The hopper's dialable test (contract §3.14(c)) and which call time governs a list."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.calltimes import call_time_for_list, lead_is_dialable
from campaigns.models import CallTime, Campaign, StateCallTime
from campaigns.selectors import call_time_get
from leads.models import LeadList

EST = Decimal(-5)
# Wednesday 15 January 2025; New York (-5) is at 12:00.
WEDNESDAY_NOON_NY = datetime(2025, 1, 15, 17, 0, tzinfo=UTC)


def ny(hour: int, minute: int = 0, day: int = 15) -> datetime:
    """The instant when a -5 lead's clock shows hour:minute on January ``day`` 2025."""
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def call_time(call_time_id: str = "ct", **windows: int) -> CallTime:
    values = {"default_start": 900, "default_stop": 2100}
    return CallTime.objects.create(call_time_id=call_time_id, **(values | windows))


def dialable(ct: CallTime | None, now: datetime, offset: Decimal | None = EST, state="") -> bool:
    return lead_is_dialable(call_time=ct, state=state, gmt_offset=offset, now=now)


class TestWindows:
    def test_no_call_time_is_never_dialable(self):
        assert not dialable(None, WEDNESDAY_NOON_NY)  # H14

    @pytest.mark.parametrize(
        ("hour", "minute", "expected"),
        [(8, 59, False), (9, 0, True), (20, 59, True), (21, 0, False), (0, 0, False)],
    )
    def test_start_inclusive_stop_exclusive(self, db, hour, minute, expected):
        assert dialable(call_time(), ny(hour, minute)) is expected

    def test_24_hours(self, db):
        ct = call_time(default_start=0, default_stop=2400)
        assert dialable(ct, ny(0, 0))
        assert dialable(ct, ny(23, 59))

    def test_never(self, db):
        ct = call_time(default_start=0, default_stop=0)
        assert not dialable(ct, ny(12))  # H07, H09

    @pytest.mark.parametrize("hour", [23, 1])
    def test_window_crossing_midnight_is_never_dialable(self, db, hour):
        ct = call_time(default_start=2100, default_stop=300)
        assert not dialable(ct, ny(hour))  # H20

    def test_local_time_uses_the_offset(self, db):
        ct = call_time()
        # 12:00 in New York is 22:30 in India (+5.5) and 09:00 in California (-8).
        assert not dialable(ct, WEDNESDAY_NOON_NY, Decimal("5.5"))
        assert dialable(ct, WEDNESDAY_NOON_NY, Decimal("-8"))
        assert not dialable(ct, WEDNESDAY_NOON_NY - timedelta(minutes=1), Decimal("-8"))

    def test_half_hour_offsets_count_minutes(self, db):
        ct = call_time(default_start=900, default_stop=2230)
        assert dialable(ct, datetime(2025, 1, 15, 16, 59, tzinfo=UTC), Decimal("5.5"))
        assert not dialable(ct, datetime(2025, 1, 15, 17, 0, tzinfo=UTC), Decimal("5.5"))


class TestWeekdays:
    def test_weekday_window_replaces_the_default(self, db):
        ct = call_time(wednesday_start=1000, wednesday_stop=1200)
        assert not dialable(ct, ny(9, 30))
        assert dialable(ct, ny(11, 59))
        assert not dialable(ct, ny(12, 0))

    def test_other_days_use_the_default(self, db):
        ct = call_time(wednesday_start=1000, wednesday_stop=1200)
        assert dialable(ct, ny(9, 30, day=16))  # Thursday

    def test_unset_weekday_0_0_uses_the_default(self, db):
        ct = call_time(wednesday_start=0, wednesday_stop=0)
        assert dialable(ct, ny(9, 30))

    def test_weekday_is_the_leads_local_one(self, db):
        # 02:00 UTC on Wednesday is 21:00 on Tuesday in New York.
        ct = call_time(default_start=0, default_stop=0, tuesday_start=2000, tuesday_stop=2200)
        assert dialable(ct, datetime(2025, 1, 15, 2, 0, tzinfo=UTC))
        assert not dialable(ct, datetime(2025, 1, 15, 2, 0, tzinfo=UTC), Decimal(0))

    def test_sunday(self, db):
        ct = call_time(sunday_start=1300, sunday_stop=1400)
        assert dialable(ct, ny(13, day=19))
        assert not dialable(ct, ny(12, day=19))


class TestStateRules:
    @pytest.fixture
    def ct(self, db):
        ct = call_time(default_start=0, default_stop=2400, wednesday_start=1, wednesday_stop=2)
        ct.state_rules.add(
            StateCallTime.objects.create(
                state_call_time_id="FLsct", state="FL", default_start=0, default_stop=0
            ),
            StateCallTime.objects.create(
                state_call_time_id="NYsct", state="NY", default_start=1000, default_stop=1100
            ),
            StateCallTime.objects.create(
                state_call_time_id="NYzz", state="NY", default_start=0, default_stop=2400
            ),
        )
        return call_time_get(ct.call_time_id)

    def test_rule_of_the_leads_state_replaces_every_window(self, ct):
        assert not dialable(ct, ny(12), state="FL")  # H10
        assert dialable(ct, ny(10, 30), state="NY")
        assert dialable(ct, ny(10, 30, day=16), state="NY")
        assert not dialable(ct, ny(11), state="NY")

    def test_first_rule_for_the_state_wins(self, ct):
        assert not dialable(ct, ny(12), state="NY")

    def test_state_compares_case_insensitively(self, ct):
        assert not dialable(ct, ny(12), state="fl")

    @pytest.mark.parametrize("state", ["GA", ""])
    def test_other_or_no_state_uses_the_call_times_windows(self, ct, state):
        assert not dialable(ct, ny(12), state=state)  # Wednesday 1-2
        assert dialable(ct, ny(12, day=16), state=state)  # H11: Thursday, default 0-2400

    def test_cached_call_time_costs_no_query(self, ct, django_assert_num_queries):
        with django_assert_num_queries(0):
            dialable(call_time_get(ct.call_time_id), ny(12), state="NY")


class TestUnknownOffset:
    """No offset: dialable only when it would be at any offset a place can have."""

    def test_round_the_clock_window(self, db):
        assert dialable(call_time(default_start=0, default_stop=2400), ny(12), None)

    def test_daytime_window(self, db):
        assert not dialable(call_time(), ny(12), None)

    def test_never(self, db):
        assert not dialable(call_time(default_start=0, default_stop=0), ny(12), None)


class TestCallTimeForList:
    @pytest.fixture
    def setup(self, db):
        call_time("24hours", default_start=0, default_stop=2400)
        call_time("never", default_start=0, default_stop=0)
        Campaign.objects.create(campaign_id="TESTCAMP", local_call_time_id="24hours")
        Campaign.objects.create(campaign_id="NOCT")

    def lead_list(self, local_call_time="campaign", campaign_id: str | None = "TESTCAMP"):
        return LeadList.objects.create(
            list_id=101, campaign_id=campaign_id, local_call_time=local_call_time
        )

    def test_no_list(self, db):
        assert call_time_for_list(None) is None

    @pytest.mark.parametrize("value", ["campaign", "CAMPAIGN", "Campaign", ""])
    def test_campaign_means_the_campaigns_call_time(self, setup, value):
        assert call_time_for_list(self.lead_list(value)).call_time_id == "24hours"

    def test_list_call_time_overrides_the_campaigns(self, setup):
        assert call_time_for_list(self.lead_list("never")).call_time_id == "never"  # H07

    def test_list_call_time_applies_without_campaign(self, setup):
        assert call_time_for_list(self.lead_list("never", None)).call_time_id == "never"

    def test_list_without_campaign_has_none(self, setup):
        assert call_time_for_list(self.lead_list(campaign_id=None)) is None  # H14

    def test_dangling_campaign_has_none(self, setup):
        assert call_time_for_list(self.lead_list(campaign_id="GHOST")) is None

    def test_campaign_without_call_time_has_none(self, setup):
        assert call_time_for_list(self.lead_list(campaign_id="NOCT")) is None

    def test_unknown_call_time_id_has_none(self, setup):
        assert call_time_for_list(self.lead_list("nosuch")) is None

    def test_state_rules_come_preloaded(self, setup, django_assert_num_queries):
        found = call_time_for_list(self.lead_list())
        with django_assert_num_queries(0):
            list(found.state_rules.all())
