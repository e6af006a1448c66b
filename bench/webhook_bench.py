"""Benchmark of webhooks: events delivered per second to a local receiver, and what a
subscription costs an import.

    .venv/bin/python bench/webhook_bench.py                          # 5,000 events, 1M-row imports
    .venv/bin/python bench/webhook_bench.py --events 2000 --rows 100000    # a quicker look
    .venv/bin/python bench/webhook_bench.py --database-url sqlite:////tmp/lh-webhookbench.sqlite3

What it does: drops and re-creates the database (default ``leadhub_webhookbench`` on the
local PostgreSQL) as the import benchmark does, and starts a receiver on 127.0.0.1 in a
process of its own (``http.server``, threads, keep-alive, answers 200 "ok").

1. Delivery: queues ``--events`` signed ``lead.created`` events to one subscription pointing at
   the receiver, then runs the worker's task in this process (``deliveries_send_task``, as
   ``db_worker --queue-name webhooks`` would) until every event is delivered; once per
   ``--concurrency`` value (WEBHOOK_CONCURRENCY). Prints events per second.
2. Imports: the import benchmark's generated CSV of ``--rows`` leads is imported four times,
   each into a new list, in the order without, with, with, without a subscription covering
   ``lead.created`` for uploads (ABBA, so a trend over the runs cancels); prints each time and
   the ratio of the means. The worker does not run meanwhile (its work is measured next).
3. Expansion: the worker's turning of ``--expand-batches`` of those imports' batch rows into
   per-lead deliveries, timed.

The figures are printed, never asserted: copy them into bench/RESULTS.md.
"""

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_bench  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_webhookbench"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 refuses a burst of concurrent connections


def _serve(port_queue) -> None:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="events to deliver")
    parser.add_argument("--concurrency", default="1,8,16,32", help="WEBHOOK_CONCURRENCY values")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each import")
    parser.add_argument("--expand-batches", type=int, default=20, help="batch rows to expand")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    ports = multiprocessing.Queue()
    receiver = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    receiver.start()
    port = ports.get(timeout=10)
    workdir = Path(tempfile.mkdtemp(prefix="leadhub-webhookbench-"))
    os.environ["WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
    try:
        figures = import_bench.Figures()
        print(f"setting up {args.database_url}; receiver on 127.0.0.1:{port}")
        csv_path = workdir / "leads.csv"
        dnc = import_bench.generate_csv(csv_path, args.rows, random.Random(20240601))
        import_bench.setup_django(args.database_url, workdir)
        import_bench.load_reference_data(dnc)
        deliveries(args, port, figures)
        if args.rows:
            imports(args, csv_path, port, figures)
        print_table(args, figures.rows)
        if not args.keep:
            import_bench.drop_database(args.database_url)
    finally:
        receiver.terminate()
        shutil.rmtree(workdir, ignore_errors=True)


def deliveries(args, port: int, figures) -> None:
    from django.conf import settings
    from django.utils import timezone

    from webhooks import net
    from webhooks.models import Attempt, Delivery, Subscription
    from webhooks.outbox import event_deliveries
    from webhooks.tasks import deliveries_send_task

    subscription = Subscription.objects.create(
        name="bench", url=f"http://127.0.0.1:{port}/events", events="lead.created"
    )
    for concurrency in [int(c) for c in args.concurrency.split(",")]:
        settings.WEBHOOK_CONCURRENCY = concurrency
        now = timezone.now()
        rows = []
        for n in range(args.events):
            data = {"lead_id": n + 1, "list_id": 101, "phone_number": f"727555{n:04d}"}
            rows += event_deliveries("lead.created", data, now=now, lead_id=n + 1, list_id=101)
        Delivery.objects.bulk_create(rows, batch_size=1000)
        net.clients_close()
        started = time.perf_counter()
        cpu = time.process_time()
        deliveries_send_task.call()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        delivered = Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()
        if delivered != args.events:
            errors = set(Attempt.objects.exclude(error="").values_list("error", flat=True))
            raise SystemExit(f"{delivered} of {args.events} events delivered: {errors}")
        figures.append(
            (
                f"deliver {args.events:,} events, concurrency {concurrency}",
                f"{seconds:.2f} s, {args.events / seconds:,.0f} events/s "
                f"({cpu:.2f} CPU s in the worker)",
            )
        )
        Delivery.objects.all().delete()
    subscription.delete()


def imports(args, csv_path: Path, port: int, figures) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from campaigns.models import Campaign
    from leads.importing.options import ImportOptions
    from leads.models import Lead, LeadList
    from leads.outcomes import DuplicateCheck
    from leads.services.request import AddOptions, DncMode, DuplicatePolicy, PhoneChecks
    from webhooks.delivery import batches_expand
    from webhooks.models import Delivery, Subscription

    user = get_user_model().objects.get(username="admin")
    campaign = Campaign.objects.get(campaign_id="TESTCAMP")
    options = ImportOptions(
        add=AddOptions(
            duplicates=DuplicatePolicy(checks=(DuplicateCheck.LIST,)),
            dnc=DncMode.NUMBER,
            phone_checks=PhoneChecks(usacan_prefix=True, usacan_areacode=True),
        )
    )
    times: dict[bool, list[float]] = {False: [], True: []}
    for n, subscribed in enumerate([False, True, True, False]):
        Subscription.objects.all().delete()
        if subscribed:
            Subscription.objects.create(
                name="bench", url=f"http://127.0.0.1:{port}/events", doors="upload"
            )
        lead_list = LeadList.objects.create(
            list_id=3001 + n, list_name=f"bench {n}", campaign=campaign
        )
        job = import_bench.create_job(csv_path, user, lead_list.list_id, options)
        job, seconds = import_bench.timed(lambda job=job: import_bench.import_job(job, None))
        import_bench.check_counts(job, Lead, lead_list.list_id)
        times[subscribed].append(seconds)
        label = "with" if subscribed else "without"
        figures.append(
            (
                f"import {job.rows_done:,} rows {label} a subscription",
                f"{seconds:.1f} s, {job.rows_done / seconds:,.0f} rows/s, "
                f"{job.counts['added']:,} added",
            )
        )
    mean = {k: sum(v) / len(v) for k, v in times.items()}
    figures.append(("import with / without (mean of two each)", f"{mean[True] / mean[False]:.3f}x"))
    Subscription.objects.create(name="bench", url=f"http://127.0.0.1:{port}/events")
    started = time.perf_counter()
    batches = batches_expand(now=timezone.now(), limit=args.expand_batches)
    seconds = time.perf_counter() - started
    made = Delivery.objects.filter(event_type="lead.created").count()
    figures.append(
        (
            f"expand {batches} batch rows into {made:,} deliveries",
            f"{seconds:.1f} s, {made / seconds:,.0f} deliveries/s",
        )
    )


def print_table(args, figures: list[tuple[str, str]]) -> None:
    from django.db import connection

    server = f"{connection.display_name} {connection.get_database_version()}"
    print()
    print(f"date        {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine     {os.cpu_count()} cores, {server}")
    print(
        f"command     .venv/bin/python bench/webhook_bench.py --events {args.events} "
        f"--concurrency {args.concurrency} --rows {args.rows} --database-url {args.database_url}"
    )
    width = max(len(label) for label, _ in figures)
    for label, value in figures:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
