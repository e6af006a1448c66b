"""How long a configuration change made on one box takes to be in force on another.

Starts two boxes with ``deploy/run-local`` (one gunicorn with 2 workers each, no task
worker) on the database of DATABASE_URL (migrated, with the demo data: ``manage.py
load_demo``) and the Redis of REDIS_URL (its cache keys are emptied), then, ROUNDS times:
warms every worker of box b on a list id that does not exist (legacy add with
``list_exists_check=Y``: "NOT A DEFINED LIST ID"), creates that list through the ORM here
(the admin's save path: the post_save signal bumps the generation in Redis), and asks box b
until CONSECUTIVE answers in a row accept the list. Prints, from the commit (min, median,
max): when the first request that got the change was sent, and when the last request that
still got the old configuration was sent (every worker has the change from then on).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lh_bench REDIS_URL=redis://127.0.0.1:6379/2 \\
        .venv/bin/python bench/config_spread.py --ports 18210 18211 --rounds 20
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django
import httpx

ROOT = Path(__file__).resolve().parent.parent
CONSECUTIVE = 6
DEMO = {"function": "add_lead", "source": "spread", "user": "6666", "pass": "1234"}


def box(port: int, run_dir: str, env: dict) -> subprocess.Popen:
    command = [str(ROOT / "deploy" / "run-local"), "--web", f"127.0.0.1:{port}", "--every", "0"]
    return subprocess.Popen(
        [*command, "--run-dir", run_dir],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def ask(port: int, list_id: int, phone: int) -> bool:
    params = {**DEMO, "list_id": str(list_id), "list_exists_check": "Y", "phone_number": phone}
    text = httpx.get(f"http://127.0.0.1:{port}/API/lmapi.php", params=params, timeout=30).text
    return text.startswith("SUCCESS:")


def measure(port: int, rounds: int) -> tuple[list[float], list[float]]:
    from leads.models import Lead, LeadList

    firsts, lasts = [], []
    for n in range(rounds):
        list_id = 880000 + n
        phone = 8135550000 + n * 100
        for _ in range(CONSECUTIVE):
            assert not ask(port, list_id, phone)
        LeadList.objects.create(list_id=list_id, list_name="spread")
        made = time.monotonic()
        first = None
        last_old = 0.0
        streak = 0
        while streak < CONSECUTIVE:
            phone += 1
            sent = time.monotonic() - made
            if ask(port, list_id, phone):
                streak += 1
                first = sent if first is None else first
            else:
                streak = 0
                last_old = sent
        firsts.append(first)
        lasts.append(last_old)
        Lead.objects.filter(list_id=list_id).delete()
        LeadList.objects.filter(list_id=list_id).delete()
    return firsts, lasts


def line(name: str, values: list[float]) -> str:
    return (
        f"{name}: min {min(values):.2f} s, median {statistics.median(values):.2f} s, "
        f"max {max(values):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, nargs=2, default=[18210, 18211])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.cache import cache

    if os.environ.get("REDIS_URL"):
        cache.clear()
    env = {**os.environ, "LEADHUB_WEB_WORKERS": "2", "DEBUG": "0", "RQ_REDIS_URL": ""}
    with tempfile.TemporaryDirectory() as run_dir:
        boxes = [box(port, f"{run_dir}/{port}", env) for port in args.ports]
        try:
            for port in args.ports:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        httpx.get(f"http://127.0.0.1:{port}/API/lmapi.php?function=version")
                        break
                    except httpx.TransportError:
                        assert time.monotonic() < deadline
                        time.sleep(0.2)
            firsts, lasts = measure(args.ports[1], args.rounds)
        finally:
            for process in boxes:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    cache_name = "Redis" if os.environ.get("REDIS_URL") else "per-process memory"
    print(f"{args.rounds} changes, cache: {cache_name}, box b's 2 gunicorn workers")
    print(line("first request that got the change, sent at", firsts))
    print(line("last request that got the old configuration, sent at", lasts))


if __name__ == "__main__":
    main()
