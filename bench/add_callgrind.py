"""CPU instructions per simple add_lead, counted with valgrind's callgrind (bench/RESULTS.md).

    .venv/bin/python bench/add_callgrind.py                # set up the database, count
    .venv/bin/python bench/add_callgrind.py --reuse-database

Sends N simple adds (``list_id=101&duplicate_check=DUPLIST``) through
``leadhub.wsgi.application``, the call gunicorn makes, against PostgreSQL (default
``leadhub_callgrind``, dropped and re-created unless ``--reuse-database``), under
``valgrind --tool=callgrind`` for N=30 and N=230, and prints (I(230) - I(30)) / 200: what one
add costs in the worker process, start-up and warm-up cancelled out. Counts do not depend on
the machine's speed. The figure is printed, never asserted.
"""

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub_callgrind"
SMALL, LARGE = 30, 230
SIMPLE = {"list_id": "101", "duplicate_check": "DUPLIST"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reuse-database", action="store_true")
    parser.add_argument("--requests", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phone-base", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    env = _env(args.database_url)
    if args.requests is not None:
        os.environ.update(env)
        return _send(args.requests, args.phone_base)
    if not args.reuse_database:
        _setup(args.database_url, env)
    counts = {}
    for base, n in ((0, SMALL), (1, LARGE)):
        counts[n] = _count(n, base, env, args.database_url)
        print(f"N={n}: {counts[n]:,} instructions")
    per_add = (counts[LARGE] - counts[SMALL]) / (LARGE - SMALL)
    print(f"instructions per simple add: {per_add:,.0f}")
    return 0


def _env(database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "callgrind-" + "x" * 50,
        "CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LEADHUB_ADMIN_PASSWORD": "callgrind-admin",
        # A run under valgrind lasts minutes: the remembered password check must not expire
        # within it (hashing the password again would be counted as part of the adds).
        "LMAPI_AUTH_CACHE_SECONDS": "86400",
        "DJANGO_SETTINGS_MODULE": "leadhub.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTEST_VERSION", None)
    return env


def _setup(database_url: str, env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    url = urllib.parse.urlsplit(database_url)
    name = url.path.lstrip("/")
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for command in (("migrate", "--no-input"), ("load_demo",)):
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _count(n: int, base: int, env: dict[str, str], database_url: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += [sys.executable, __file__, "--database-url", database_url]
        command += ["--requests", str(n), "--phone-base", str(base)]
        run = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"the counted run failed:\n{run.stderr[-3000:]}")
        text = out.read_text()
    match = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    return int(match.group(1))


def _send(n: int, base: int) -> int:
    sys.path.insert(0, str(ROOT))
    from leadhub.wsgi import application

    # A fresh block of phones per run (pid and run), so no add is a duplicate.
    prefix = f"7{base}{os.getpid() % 100000:05d}"
    for number in range(n):
        query = urllib.parse.urlencode(
            {
                "source": "bench",
                "user": "6666",
                "pass": "1234",
                "function": "add_lead",
                **SIMPLE,
                "phone_number": f"{prefix}{number:03d}",
            }
        )
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/API/lmapi.php",
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        statuses: list[str] = []
        response = application(environ, lambda status, headers, seen=statuses: seen.append(status))
        try:
            body = b"".join(response).decode()
        finally:
            response.close()
        if statuses != ["200 OK"] or not body.startswith("SUCCESS:"):
            raise RuntimeError(f"unexpected answer: {statuses} {body[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
