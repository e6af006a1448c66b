"""The reference point of bench/api_bench.py --baseline: a bare Django view doing what the
issue's yardstick does (two SELECTs and one INSERT on PostgreSQL, persistent connection, no
middleware), served by the same gunicorn on the same database as LeadHub.

It answers like a successful add_lead, so wrk's script counts its answers the same way. Not
part of LeadHub: it exists only to show what this machine gives a minimal Django request at
the moment of the run, since this VM's speed moves a lot from run to run.
"""

import os

import dj_database_url
import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    SECRET_KEY=os.environ["SECRET_KEY"],
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=600)},
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

TABLE = "bench_baseline"  # created by api_bench.py


def add(request):
    phone, user = request.GET.get("phone_number", ""), request.GET.get("user", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM auth_user WHERE username = %s", [user])
        cursor.fetchall()
        cursor.execute(f"SELECT id FROM {TABLE} WHERE phone_number = %s", [phone])
        cursor.fetchall()
        cursor.execute(
            f"INSERT INTO {TABLE} (phone_number, list_id) VALUES (%s, 101) RETURNING id", [phone]
        )
        new_id = cursor.fetchone()[0]
    body = f"SUCCESS: add_lead LEAD HAS BEEN ADDED - {phone}|{user}|101|{new_id}|-7\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


urlpatterns = [path("API/lmapi.php", add)]
application = get_wsgi_application()
