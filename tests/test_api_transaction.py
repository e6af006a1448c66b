"""D10: an add_lead request is one transaction, also when the database fails half-way.

A statement that fails after the lead was inserted (here: while writing the API log) must roll
the whole request back, and the connection must serve the next request.
"""

import itertools

from leadhub.db import fastsql
from leads.api import views
from leads.models import ApiLogEntry, Lead

ENDPOINT = "/API/lmapi.php"
# From `manage.py load_demo`.
ADD = {
    "source": "txtest",
    "user": "6666",
    "pass": "1234",
    "function": "add_lead",
    "list_id": "101",
    "duplicate_check": "DUPLIST",
}
_phones = (f"72755{n:05d}" for n in itertools.count(30_001))


def _failing_log_write(self, lines, *, started):
    # A statement that fails on every backend, sent without fetching its answer.
    with fastsql.cursor() as cursor:
        cursor.execute("INSERT INTO leadhub_no_such_table VALUES (1)")


def test_a_database_error_after_the_insert_rolls_the_whole_request_back(client, demo, monkeypatch):
    leads_before, log_before = Lead.objects.count(), ApiLogEntry.objects.count()
    monkeypatch.setattr(views._Log, "write", _failing_log_write)
    client.raise_request_exception = False

    response = client.get(ENDPOINT, {**ADD, "phone_number": next(_phones)})

    assert response.status_code == 500
    assert Lead.objects.count() == leads_before
    assert ApiLogEntry.objects.count() == log_before


def test_the_connection_serves_the_next_request_after_a_database_error(client, demo, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(views._Log, "write", _failing_log_write)
        client.raise_request_exception = False
        client.get(ENDPOINT, {**ADD, "phone_number": next(_phones)})
    phone = next(_phones)

    response = client.get(ENDPOINT, {**ADD, "phone_number": phone})

    assert response.content.decode().startswith(f"SUCCESS: add_lead LEAD HAS BEEN ADDED - {phone}|")
    assert Lead.objects.filter(phone_number=phone).count() == 1
    assert ApiLogEntry.objects.filter(url__contains=phone).count() == 1
