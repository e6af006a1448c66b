"""Less noise in the review queue: a duplicate row equal to its lead in every loaded field
(an exact repeat, in the file or in the database) is not queued for review; its result
line says so. A duplicate that differs in any loaded field is still reviewed."""

import pytest

from leads.models import DuplicateReview
from leads.outcomes import DuplicateCheck
from leads.tests.factories import LeadFactory, LeadListFactory, import_options
from leads.tests.test_importing_engine import make_job, result_lines, row, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_exact_repeats_are_not_reviewed_and_say_why(tmp_path, campaign):
    target = LeadListFactory(list_id=5301, campaign=campaign)
    same = LeadFactory(
        list=target,
        phone_number="7275550002",
        first_name="Zoe",
        last_name="Ray",
        title="",
        alt_phone="",
        state="",
        postal_code="",
        phone_code="1",
    )
    LeadFactory(list=target, phone_number="7275550003", first_name="Old", last_name="Name")
    rows = [
        row("7275550001"),
        row("7275550002", first="Zoe", last="Ray"),  # the database lead, field for field
        row("7275550003", first="New", last="Name"),  # same phone, another name
        row("(727) 555-0001"),  # row 2 again, as people write it
        row("7275550001", first="Anne"),  # row 2's phone, another first name
    ]
    job = run(
        make_job(
            tmp_path,
            rows,
            list_id=target.list_id,
            options=import_options(DuplicateCheck.LIST, review_duplicates=True),
        )
    )
    assert job.counts["added"] == 1
    reviewed = DuplicateReview.objects.filter(import_job=job).order_by("row_number")
    assert [r.row_number for r in reviewed] == [4, 6]
    lines = {line[0]: line[2] for line in result_lines(job)}
    assert lines["3"].startswith(f"Exact repeat of lead {same.lead_id}:")
    assert lines["5"].startswith("Exact repeat of lead ")
    assert lines["4"].startswith("Already lead ")
