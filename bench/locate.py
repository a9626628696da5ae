"""Benchmark: resolving points to micro-grids, in bulk, one by one, and over HTTP.

Budgets (issue #2): bulk ≥ 200,000 points/s over 1,000,000 points; a single in-process
`locate()` p99 ≤ 1 ms; `GET /api/v1/places/locate` p50/p99 with 20 concurrent clients against
gunicorn (reported, no budget given).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import gunicorn, percentile, prepare_demo_env, report

BULK_POINTS = 1_000_000
SINGLE_CALLS = 10_000
HTTP_REQUESTS = 4_000
HTTP_CLIENTS = 20


def main() -> int:
    prepare_demo_env()
    import numpy as np

    from linli.places import locate
    from linli.places.models import Area

    district = Area.objects.get(level="district")
    xs = [p[0] for ring in district.geometry["coordinates"] for p in ring]
    ys = [p[1] for ring in district.geometry["coordinates"] for p in ring]
    rng = np.random.default_rng(2026)
    lons = rng.uniform(min(xs), max(xs), BULK_POINTS)
    lats = rng.uniform(min(ys), max(ys), BULK_POINTS)
    locate.index(force=True)

    started = time.perf_counter()
    codes = locate.locate_many(lons, lats)
    bulk_s = time.perf_counter() - started
    inside = int(np.count_nonzero(codes != None))  # noqa: E711 - element-wise on an object array
    bulk_rate = BULK_POINTS / bulk_s

    geometric, full = [], []
    for i in range(SINGLE_CALLS):
        t0 = time.perf_counter()
        where = locate.locate(float(lons[i]), float(lats[i]))
        t1 = time.perf_counter()
        if where is not None:
            where.officer_on_duty()
        t2 = time.perf_counter()
        geometric.append((t1 - t0) * 1000)
        full.append((t2 - t0) * 1000)

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    with gunicorn(workers=4) as base:

        def one(i: int) -> None:
            url = f"{base}/api/v1/places/locate?lon={lons[i]:.6f}&lat={lats[i]:.6f}"
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    json.loads(response.read())
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

        list(ThreadPoolExecutor(HTTP_CLIENTS).map(one, range(200)))  # warm every worker
        latencies.clear()
        statuses.clear()
        started = time.perf_counter()
        list(ThreadPoolExecutor(HTTP_CLIENTS).map(one, range(HTTP_REQUESTS)))
        http_s = time.perf_counter() - started

    print(
        f"{len(locate.index().leaf_codes)} leaf areas; {inside:,} of {BULK_POINTS:,} "
        f"random points inside the district; HTTP statuses {statuses}"
    )
    return report(
        [
            (
                f"bulk locate_many ({BULK_POINTS:,} points)",
                f"{bulk_rate:,.0f} points/s",
                "≥ 200,000/s",
                bulk_rate >= 200_000,
            ),
            (
                "single locate() p50 / p99 (geometry)",
                f"{percentile(geometric, 50):.3f} / {percentile(geometric, 99):.3f} ms",
                "p99 ≤ 1 ms",
                percentile(geometric, 99) <= 1.0,
            ),
            (
                "locate() + officer on duty p50 / p99",
                f"{percentile(full, 50):.3f} / {percentile(full, 99):.3f} ms",
                "(reported)",
                True,
            ),
            (
                f"HTTP locate, {HTTP_CLIENTS} clients, p50 / p99",
                f"{percentile(latencies, 50):.1f} / {percentile(latencies, 99):.1f} ms",
                "(reported)",
                statuses.get(500, 0) == 0,
            ),
            ("HTTP locate throughput", f"{HTTP_REQUESTS / http_s:,.0f} req/s", "(reported)", True),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
