"""``manage.py load_demo``: the demo data that ``./dev serve`` starts with.

Idempotent: rows that already exist are left as they are (a developer's edits survive a
restart), missing ones are created. Only two things are enforced on every run: the API user
6666 keeps the password 1234, and the admin's password follows ``LEADHUB_ADMIN_PASSWORD``
when that is set.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns.models import CallTime, Campaign
from leads.models import (
    ApiUserProfile,
    DncNumber,
    Lead,
    LeadList,
    PhoneCode,
    SystemSettings,
    UserGroup,
)
from leads.models.access import ALL_CAMPAIGNS, ALL_FUNCTIONS
from leads.outcomes import DuplicateCheck
from leads.services import LeadActor, lead_add
from leads.services.request import AddOptions, DuplicatePolicy, LeadFields, LeadRequest

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "LEADHUB_ADMIN_PASSWORD"
API_USERNAME = "6666"
API_PASSWORD = "1234"  # The well-known dialer default; demos only.
DEMO_DNC_NUMBERS = ("7275550000", "212XXXXXXX")
# phone, first name, last name, state: a few leads in list 101 (the upload sample's duplicate).
DEMO_LEADS = (
    ("7275551000", "Bob", "Smith", "FL"),
    ("7275551001", "Ann", "Lee", "FL"),
    ("2125550100", "Cy", "Vo", "NY"),
    ("3105550123", "Dee", "Park", "CA"),
    ("6025550199", "Eve", "Stone", "AZ"),
)
# country code, area code, state, offset, DST, DST rule, tz code, IANA zone
DEMO_PHONE_CODES = (
    ("1", "727", "FL", "-5", True, "SSM-FSN", "EST", "America/New_York"),
    ("1", "212", "NY", "-5", True, "SSM-FSN", "EST", "America/New_York"),
    ("1", "602", "AZ", "-7", False, "", "MST", "America/Phoenix"),
    ("1", "310", "CA", "-8", True, "SSM-FSN", "PST", "America/Los_Angeles"),
)


class Command(BaseCommand):
    help = (
        "Load demo data (admin superuser, API user 6666, campaign TESTCAMP with call time "
        "24hours, lists 999 and 101, two DNC numbers, demo area codes, five leads). "
        "Safe to run again. "
        f"The admin password comes from ${ADMIN_PASSWORD_ENV}, or is generated and printed "
        "once when the admin is created."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            self._admin()
            self._api_user()
            self._dialer()
            self._reference_data()
            self._leads()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _note(self, created: bool, what: str) -> None:
        self.stdout.write(f"  {'created' if created else 'exists '}  {what}")

    def _admin(self) -> None:
        user_model = get_user_model()
        wanted = os.environ.get(ADMIN_PASSWORD_ENV, "")
        admin = user_model.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            password = wanted or secrets.token_urlsafe(12)
            user_model.objects.create_superuser(ADMIN_USERNAME, "", password)
            self._note(True, f"superuser {ADMIN_USERNAME}")
            if not wanted:
                self.stdout.write(
                    self.style.WARNING(
                        f"  Admin password: {password}   (shown only now; set "
                        f"{ADMIN_PASSWORD_ENV} or use `manage.py changepassword admin`)"
                    )
                )
            return
        self._note(False, f"superuser {ADMIN_USERNAME}")
        if wanted and not admin.check_password(wanted):
            admin.set_password(wanted)
            admin.save(update_fields=["password"])
            self.stdout.write(f"  updated  password of {ADMIN_USERNAME} from {ADMIN_PASSWORD_ENV}")

    def _api_user(self) -> None:
        group, created = UserGroup.objects.get_or_create(
            user_group="ADMIN",
            defaults={"group_name": "Administrators", "allowed_campaigns": ALL_CAMPAIGNS},
        )
        self._note(created, f"user group ADMIN ({group.allowed_campaigns})")
        user, created = get_user_model().objects.get_or_create(username=API_USERNAME)
        if created or not user.check_password(API_PASSWORD):
            user.set_password(API_PASSWORD)
            user.save(update_fields=["password"])
        _, profile_created = ApiUserProfile.objects.get_or_create(
            user=user,
            defaults={
                "full_name": "Demo API user",
                "user_level": 9,
                "user_group": group,
                "api_access": True,
                "modify_leads": 1,
                "api_allowed_functions": f" {ALL_FUNCTIONS} ",
            },
        )
        self._note(created or profile_created, f"API user {API_USERNAME} / {API_PASSWORD}")
        self.stdout.write(
            self.style.WARNING(
                f"  WARNING: {API_USERNAME}/{API_PASSWORD} is the well-known dialer default, "
                "for demos only. Never load demo data on a reachable server."
            )
        )

    def _dialer(self) -> None:
        call_time, created = CallTime.objects.get_or_create(
            call_time_id="24hours",
            defaults={"name": "24 hours a day", "default_start": 0, "default_stop": 2400},
        )
        self._note(created, "call time 24hours (0-2400)")
        campaign, created = Campaign.objects.get_or_create(
            campaign_id="TESTCAMP",
            defaults={"campaign_name": "Test campaign", "local_call_time": call_time},
        )
        self._note(created, "campaign TESTCAMP")
        for list_id, name, list_campaign in (
            (999, "Default list", None),
            (101, "TESTCAMP list", campaign),
        ):
            _, created = LeadList.objects.get_or_create(
                list_id=list_id, defaults={"list_name": name, "campaign": list_campaign}
            )
            self._note(created, f"list {list_id} ({list_campaign or 'no campaign'})")
        for number in DEMO_DNC_NUMBERS:
            _, created = DncNumber.objects.get_or_create(phone_number=number)
            self._note(created, f"system DNC {number}")

    def _leads(self) -> None:
        # Through the lead pipeline, as a supervisor would enter them; DUPLIST keeps it idempotent.
        for phone, first, last, state in DEMO_LEADS:
            exists = Lead.objects.filter(list_id=101, phone_number=phone).exists()
            if not exists:
                lead_add(
                    request=LeadRequest(
                        fields=LeadFields(
                            phone_number=phone, first_name=first, last_name=last, state=state
                        ),
                        list_id="101",
                        options=AddOptions(
                            duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,))
                        ),
                    ),
                    actor=LeadActor(user=ADMIN_USERNAME, door=Lead.Door.MANUAL),
                    now=timezone.now(),
                )
            self._note(not exists, f"lead {phone} {first} {last} in list 101")

    def _reference_data(self) -> None:
        for cc, area, state, offset, dst, dst_range, tz_code, zone in DEMO_PHONE_CODES:
            # Leave area codes alone when a full reference table was loaded already.
            exists = PhoneCode.objects.filter(country_code=cc, areacode=area).exists()
            if not exists:
                PhoneCode.objects.create(
                    country_code=cc,
                    country="USA",
                    areacode=area,
                    state=state,
                    gmt_offset=offset,
                    dst=dst,
                    dst_range=dst_range,
                    tz_code=tz_code,
                    description=f"{state} {area} (demo)",
                    iana_zone=zone,
                )
            self._note(not exists, f"phone code +{cc} {area} {state} {offset}")
        _, created = SystemSettings.objects.get_or_create(pk=1)
        self._note(created, "system settings")
