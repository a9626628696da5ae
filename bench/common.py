"""Shared set-up for benchmarks: a throwaway var/ with the demo city, and a gunicorn runner."""

from __future__ import annotations

import atexit
import contextlib
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a free port (fsync off: a benchmark, not a store)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        raise SystemExit("PostgreSQL is not installed (./dev test installs it as root)")
    bin_dir, port = bins[-1], free_port()
    data = Path(tempfile.mkdtemp(prefix="linli-bench-pg-"))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        subprocess.run(["chown", "postgres", str(data)], check=True)
    quiet = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(data / "d"), "-U", "linli",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], **quiet)  # fmt: skip
    options = (f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB "
               "-c max_connections=250 -c max_wal_size=8GB")  # fmt: skip
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data / "d"), "-l",
                    str(data / "log"), "-w", "-o", options, "start"], **quiet)  # fmt: skip
    subprocess.run([*as_pg, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                    "-U", "linli", "linli"], **quiet)  # fmt: skip
    try:
        yield f"postgres://linli@127.0.0.1:{port}/linli"
    finally:
        subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data / "d"), "-m",
                        "immediate", "stop"], check=False, stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run(["rm", "-rf", str(data)], check=False)


def prepare_demo_env(database_url: str | None = None) -> Path:
    """Point Linli at a fresh temporary var/ (and ``database_url``, default SQLite there)
    holding the migrated demo city; returns the var/ folder."""
    var = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    os.environ.update(
        LINLI_VAR_DIR=str(var),
        LINLI_DEMO="1",
        DJANGO_SETTINGS_MODULE="linli.settings",
        LINLI_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",  # testserver: in-process calls
    )
    if database_url:
        os.environ["LINLI_DATABASE_URL"] = database_url
    else:
        os.environ.pop("LINLI_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "linli.cli", "demo", "--no-serve"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    import django

    django.setup()
    return var


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(workers: int, app: str | None = None) -> Iterator[str]:
    """Linli (or another WSGI ``app``, e.g. bench.bare_app:application) under gunicorn."""
    port = free_port()
    env = dict(os.environ, LINLI_BIND=f"127.0.0.1:{port}", LINLI_WEB_WORKERS=str(workers))
    if app:
        command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "linli.cli", "serve", "--log-level", "warning",
                   "--access-logfile", "/dev/null"]  # fmt: skip
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(200):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + ("/" if app else "/api/v1/openapi.json"), timeout=1)
                break
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def machine() -> str:
    return f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def report(rows: list[tuple[str, str, str, bool]]) -> int:
    """Print a results table; the exit status says whether every budget was met."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'result':>22}  budget")
    for name, result, budget, ok in rows:
        print(f"{name.ljust(width)}  {result:>22}  {budget}  {'ok' if ok else 'MISSED'}")
    print(f"({machine()})")
    return 0 if all(r[3] for r in rows) else 1


__all__ = [
    "gunicorn",
    "machine",
    "percentile",
    "postgres",
    "prepare_demo_env",
    "report",
    "statistics",
]
