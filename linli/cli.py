"""The `linli` command.

linli demo                 migrate, load the demo city once, print accounts, serve + worker
linli serve                gunicorn on 127.0.0.1:$LINLI_PORT (LINLI_BIND overrides)
linli worker [--once] [--now ISO]
linli manage ...           Django's manage.py
linli places import FILE.geojson | linli places export [--level L] [--within CODE]
linli localpay [--port 8011]  the local payment provider (docs/payments.md)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()


def manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["linli manage", *argv])
    return 0


def _gunicorn_argv() -> list[str]:
    port = os.environ.get("LINLI_PORT", "8000")
    bind = os.environ.get("LINLI_BIND", f"127.0.0.1:{port}")
    workers = os.environ.get("LINLI_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1))
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "linli.wsgi:application",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        # the path without its query: WeChat puts the sender's OpenID there, residents' follow-up
        # codes travel as ?code=, and neither may reach a log
        "--access-logformat",
        '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"',
        "--graceful-timeout",
        "5",
        "--timeout",
        "60",
        "--preload",  # import Linli once, then fork: faster start, shared memory
    ]


def serve(argv: list[str]) -> int:
    os.execv(sys.executable, _gunicorn_argv() + argv)
    return 0  # pragma: no cover - exec does not return


def worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="linli worker")
    parser.add_argument("--once", action="store_true", help="run one sweep and drain tasks")
    parser.add_argument("--now", help="pretend it is this moment (ISO 8601 with offset)")
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args(argv)
    now = None
    if args.now:
        now = datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            parser.error("--now needs a UTC offset, e.g. 2026-12-01T10:00:00+08:00")
    _setup_django()
    from linli.core import worker as linli_worker

    linli_worker.run(once=args.once, now=now, interval=args.interval)
    return 0


def _static_is_fresh() -> bool:
    """True when collected static files are newer than every source static file."""
    from django.conf import settings

    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        return False
    collected = manifest.stat().st_mtime
    sources = Path(__file__).resolve().parent.glob("*/static/**/*")
    return all(path.stat().st_mtime <= collected for path in sources if path.is_file())


def demo(argv: list[str]) -> int:
    """Prepare the demo once, then run gunicorn and the worker until Ctrl-C.

    Preparation runs in this one process (a second run costs one Django start-up, not four):
    migrate, collect static files when they changed, load the demo city unless it is there.
    """
    os.environ.setdefault("LINLI_DEMO", "1")
    parser = argparse.ArgumentParser(prog="linli demo")
    parser.add_argument("--no-serve", action="store_true", help="prepare only")
    args = parser.parse_args(argv)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not _static_is_fresh():
        call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo")
    from django.conf import settings

    from linli.gateways.actions import demo_key

    key = demo_key(settings.VAR_DIR)
    print(
        f"Open311 GeoReport v2: http://127.0.0.1:{os.environ.get('LINLI_PORT', '8000')}"
        f"/open311/v2/discovery.json  api_key={key}",
        flush=True,
    )
    if args.no_serve:
        return 0
    env = dict(os.environ)
    me = [sys.executable, "-m", "linli.cli"]
    from urllib.parse import urlsplit

    localpay_port = str(urlsplit(settings.LINLI_LOCALPAY_URL).port or 8011)
    children = [
        subprocess.Popen(_gunicorn_argv(), env=env),
        subprocess.Popen([*me, "worker"], env=env),
        subprocess.Popen([*me, "localpay", "--port", localpay_port], env=env),
    ]
    port = env.get("LINLI_PORT", "8000")
    print(f"\nLinli is serving on http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True)

    def _stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started with SIGINT ignored (nohup, scripts)
    died_alone = False
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        died_alone = True
    except KeyboardInterrupt:
        print("\nStopping Linli…", flush=True)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
    return 1 if died_alone else 0


def localpay(argv: list[str]) -> int:
    from linli.payments.localpay import main as localpay_main

    return localpay_main(argv)


def places(argv: list[str]) -> int:
    if not argv or argv[0] not in {"import", "export"}:
        print("usage: linli places import FILE.geojson | linli places export [options]")
        return 2
    command = {"import": "import_areas", "export": "export_areas"}[argv[0]]
    return manage([command, *argv[1:]])


COMMANDS = {
    "demo": demo,
    "serve": serve,
    "worker": worker,
    "manage": manage,
    "places": places,
    "localpay": localpay,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    from django.core.exceptions import ImproperlyConfigured

    try:
        return COMMANDS[argv[0]](argv[1:])
    except ImproperlyConfigured as exc:
        print(f"linli: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
