"""The case engine on PostgreSQL (issue #3).

1. Intake over HTTP: `POST /api/v1/cases` under gunicorn, driven by wrk, beside a bare Django
   JSON view in the same run; every 201 is counted in the database afterwards. Then the
   ceiling (bench/ceiling_app.py): the same load answered by sending only the intake's SQL.
2. Scale: cases loaded with COPY (1M, then 10M), then the officer inbox's first page
   (`GET /api/v1/cases?unit=…`, p95, and its query count for small and big units) and the
   escalation sweep with the same 1,000 cases due at each size.

Usage: ./dev bench  (or: python bench/cases.py --sizes 1000000,10000000 --seconds 20;
--skip-intake or --skip-scale for one part only)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import gunicorn, percentile, postgres, prepare_demo_env, report

DESCRIPTIONS = [
    "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠",
    "小区门口路灯坏了一个多星期，晚上黑漆漆的很危险",
    "楼上邻居每天半夜拖椅子，吵得睡不着",
    "有辆车停在消防通道上好几天了，车牌浙F·D12345",
    "楼道里有人给电瓶车充电，电线拖了一地",
    "路边井盖松动了，踩上去会晃，怕有人掉下去",
    "公司拖欠我们三个月工资，老板找不到人",
    "小区垃圾好几天没人清运，味道很大",
]


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms("50%"),
        "p99": ms("99%"),
        "total": total,
        "ok": total - (int(bad.group(1)) if bad else 0),
        "socket_errors": bool(errors),
    }


def lua_script(bodies: list[str]) -> Path:
    escaped = ",\n".join("[==[" + body + "]==]" for body in bodies)
    text = f"""
local bodies = {{
{escaped}
}}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(text, encoding="utf-8")
    return path


def capture(bodies: list[str]) -> Path:
    """Report each body once in this process (through ``submit_case``, as the API does) and
    keep the SQL each sent, with its values, for bench/ceiling_app.py; returns the file."""
    import enum
    import pickle

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from linli.cases.actions import Intake, submit_case
    from linli.core import ratelimit

    sent: list[tuple[str, list[object]]] = []

    def keep(execute, sql, params, many, context):
        plain = [p.value if isinstance(p, enum.Enum) else p for p in params or ()]
        sent.append((sql, plain))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        ratelimit.hit("intake", "127.0.0.1", os.environ["LINLI_INTAKE_RATE"])
        for body in bodies:
            fields = json.loads(body)
            submit_case(Intake(channel="web", **fields), actor=AnonymousUser())
    # besides them: the first look-ups of categories, routes and the calendar, cached after
    rate_limit = next(s for s in sent if s[0].startswith('INSERT INTO "core_ratecounter"'))
    reports = [s for s in sent if s[0].startswith("WITH n AS")]
    assert len(reports) == len(bodies)
    path = Path(tempfile.mkstemp(suffix=".pickle")[1])
    path.write_bytes(pickle.dumps({"rate_limit": rate_limit, "reports": reports}))
    return path


def intake(seconds: int, connections: int, workers: int) -> list[tuple[str, str, str, bool]]:
    from linli.cases.models import Case
    from linli.places.models import Area

    grids = list(
        Area.objects.filter(level="micro_grid").values_list("centroid_lon", "centroid_lat")
    )
    rng = random.Random(2026)
    bodies = []
    for n in range(400):
        lon, lat = rng.choice(grids)
        text = f"{rng.choice(DESCRIPTIONS)}（第{n}号）"
        body = {"kind": "report", "description": text, "lon": lon, "lat": lat}
        bodies.append(json.dumps(body, ensure_ascii=False))
    script = lua_script(bodies)
    before = Case.objects.count()
    with gunicorn(workers=workers) as base:
        linli = wrk(f"{base}/api/v1/cases", script, seconds, connections)
    stored = Case.objects.count() - before
    with gunicorn(workers=workers, app="bench.bare_app:application") as base:
        bare = wrk(f"{base}/api/v1/cases", script, seconds, connections)
    captured = capture(bodies)
    os.environ["LINLI_BENCH_CAPTURED"] = str(captured)
    with gunicorn(workers=workers, app="bench.ceiling_app:application") as base:
        ceiling = wrk(f"{base}/api/v1/cases", script, seconds, connections)
    captured.unlink()
    script.unlink()
    # wrk stops the clock with requests in flight: those are stored but not counted as 201s.
    once = linli["ok"] <= stored <= linli["ok"] + connections
    distinct = Case.objects.values("number").distinct().count() == Case.objects.count()
    print(f"intake: {linli}  stored {stored}\nbare:   {bare}\nceiling: {ceiling}")
    return [
        ("intake POST /api/v1/cases, cases/s", f"{linli['rps']:.0f}", "≥ 1,000", linli["rps"] >= 1000),
        ("intake p50 / p99 ms", f"{linli['p50']:.1f} / {linli['p99']:.1f}", "p99 ≤ 100", linli["p99"] <= 100),
        ("201 answers ≤ rows stored ≤ 201s + in flight", f"{linli['ok']} / {stored}", "each once", once and distinct),
        ("bare Django JSON view, requests/s", f"{bare['rps']:.0f}", "—", True),
        ("bare view p50 / p99 ms", f"{bare['p50']:.1f} / {bare['p99']:.1f}", "—", True),
        ("ceiling: the intake's SQL alone, no Django, req/s", f"{ceiling['rps']:.0f}", "—", True),
        ("ceiling p50 / p99 ms", f"{ceiling['p50']:.1f} / {ceiling['p99']:.1f}", "—", True),
    ]  # fmt: skip


def copy_cases(start: int, stop: int) -> None:
    """Cases ``start``…``stop``-1 with COPY: a year of history, 3% still open (not due)."""
    from django.db import connection
    from django.utils import timezone

    from linli.cases.models import Category
    from linli.people.models import Unit

    rooms = list(Unit.objects.filter(kind="police_room").values_list("id", "area_code"))
    categories = list(
        Category.objects.filter(children__isnull=True).values_list("id", "police_matter")
    )
    now = timezone.now()
    rng = random.Random(start)
    columns = [
        "number",
        "kind",
        "channel",
        "category_id",
        "description",
        "lon",
        "lat",
        "address",
        "area_code",
        "unit_id",
        "tier",
        "status",
        "reporter_name",
        "contact_phone",
        "anonymous",
        "follow_up_digest",
        "police_matter",
        "emergency",
        "needs_triage",
        "triage",
        "created_at",
        "resolved_at",
        "closed_at",
        "due_at",
        "warn_at",
        "escalations",
        "version",
    ]
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(f"COPY cases_case ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(start, stop):
                unit_id, area = rooms[i % len(rooms)]
                category_id, police = categories[rng.randrange(len(categories))]
                is_open = rng.random() < 0.03
                created = now - timedelta(
                    seconds=rng.randrange(10 * 86400 if is_open else 365 * 86400)
                )
                done = None if is_open else created + timedelta(hours=rng.randrange(2, 96))
                due = now + timedelta(days=30) if is_open else created + timedelta(days=2)
                copy.write_row((
                    f"B{i:09d}", "report", "web", category_id, DESCRIPTIONS[i % 8], 120.75, 30.75,
                    "", area + "001", unit_id, "community", "accepted" if is_open else "closed",
                    "", "", False, "", police, False, False, "{}", created, done, done, due,
                    due - timedelta(hours=12), 0, 1,
                ))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


class Statements:
    """A connection.execute_wrapper that counts statements and keeps the sweep's first claim
    (its SELECT … FOR UPDATE SKIP LOCKED) to EXPLAIN afterwards."""

    def __init__(self) -> None:
        self.count = 0
        self.claim: tuple[str, object] | None = None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.claim is None and "SKIP LOCKED" in sql:
            self.claim = (sql, params)
        return execute(sql, params, many, context)


def scale(sizes: list[int]) -> list[tuple[str, str, str, bool]]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from linli.cases.actions.sweep import escalate_due
    from linli.cases.models import Case
    from linli.people.actions import create_api_token
    from linli.places.models import PoliceRoom

    rows: list[tuple[str, str, str, bool]] = []
    sweep_times: dict[int, float] = {}
    rooms = list(PoliceRoom.objects.select_related("named_officer", "unit"))
    tokens = {
        r.unit_id: create_api_token(r.named_officer, actor=None, name="bench").token for r in rooms
    }
    client = Client()
    loaded = Case.objects.count()
    for size in sizes:
        started = time.perf_counter()
        copy_cases(loaded, size)
        loaded = size
        print(f"{size:,} cases loaded in {time.perf_counter() - started:.0f} s")
        # The inbox: a room officer's first page, newest first.
        times = []
        rng = random.Random(size)
        for _ in range(500):
            room = rng.choice(rooms)
            t0 = time.perf_counter()
            response = client.get(
                f"/api/v1/cases?unit={room.unit_id}&limit=20",
                HTTP_AUTHORIZATION=f"Bearer {tokens[room.unit_id]}",
            )
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and len(response.json()["items"]) == 20
        counts = []
        for room in (rooms[0], rooms[-1]):
            with CaptureQueriesContext(connection) as queries:
                client.get(f"/api/v1/cases?unit={room.unit_id}&limit=20",
                           HTTP_AUTHORIZATION=f"Bearer {tokens[room.unit_id]}")  # fmt: skip
            counts.append(len(queries))
        reset_queries()
        p95 = percentile(times, 95)
        rows.append((f"inbox first page at {size:,} cases, p50 / p95 ms",
                     f"{percentile(times, 50):.1f} / {p95:.1f}", "p95 ≤ 20", p95 <= 20))  # fmt: skip
        rows.append((f"inbox queries (two rooms) at {size:,}", f"{counts}", "fixed",
                     len(set(counts)) == 1))  # fmt: skip
        # The sweep: exactly 1,000 open cases due, whatever the size. An untimed pass first
        # settles what was already due (the demo city's own overdue cases).
        while escalate_due(timezone.now()):
            pass
        now = timezone.now()
        due_ids = list(
            Case.objects.filter(status="accepted", due_at__gt=now).values_list("id", flat=True)[
                :1000
            ]
        )
        Case.objects.filter(id__in=due_ids).update(due_at=now - timedelta(hours=1))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
        statements = Statements()
        t0 = time.perf_counter()
        escalated = 0
        with connection.execute_wrapper(statements):
            while claimed := escalate_due(timezone.now()):  # the worker's passes
                escalated += claimed
        sweep_times[size] = time.perf_counter() - t0
        # The plan of the first claim, from the statistics taken before the sweep (1,000 row
        # updates do not trigger autovacuum's ANALYZE on a table this size).
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + statements.claim[0], statements.claim[1])
            plan = " ".join(r[0] for r in cursor.fetchall())
        print(f"sweep at {size:,}: {escalated} escalated with {statements.count} statements")
        print(f"claim plan at {size:,}: {plan}")
        rows.append((f"sweep at {size:,} cases ({escalated} escalated), s",
                     f"{sweep_times[size]:.2f}", "uses case_open_due_idx",
                     "case_open_due_idx" in plan and escalated == 1000))  # fmt: skip
    if len(sweep_times) > 1:
        small, big = sweep_times[sizes[0]], sweep_times[sizes[-1]]
        rows.append(("sweep time, largest / smallest size", f"{big / small:.2f}×", "≤ 2×",
                     big / small <= 2))  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-intake", action="store_true", help="only the scale part")
    args = parser.parse_args()
    if not args.skip_intake and not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk (./dev bench installs it as root)")
    os.environ["LINLI_INTAKE_RATE"] = "1000000000/h"  # residents from one address: the client
    with postgres() as url:
        prepare_demo_env(url)
        rows = [] if args.skip_intake else intake(args.seconds, args.connections, args.workers)
        if not args.skip_scale:
            rows += scale([int(s) for s in args.sizes.split(",")])
        from django.db import connections

        connections.close_all()
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
