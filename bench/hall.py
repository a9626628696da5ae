"""Catalogue search (issue #4): how fast a resident's search of the service hall answers.

Searches a mix of Chinese words — names (旅馆, 护照), words found only in conditions or materials
(不动产, 营业执照), a one-character word that matches nearly every matter (证) and a miss —
through the API and the public page: first in process through Django's test client (the
application's own cost), then over HTTP against gunicorn. Budget: p95 ≤ 20 ms.

Usage: python bench/hall.py [--rounds 30] [--database-url postgres://…] [--no-gunicorn]
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import gunicorn, percentile, prepare_demo_env, report

WORDS = ["旅馆", "护照", "居住证", "身份证", "驾驶证", "不动产", "营业执照", "证", "出租", "火星"]
BUDGET_MS = 20.0


def urls() -> list[str]:
    out = []
    for word in WORDS:
        q = urllib.parse.quote(word)
        out += [f"/api/v1/hall/matters?q={q}", f"/hall/?q={q}"]
    out += ["/api/v1/hall/matters?domain=public_order&kind=licence&page=2", "/hall/"]
    return out


def in_process(rounds: int) -> dict[str, list[float]]:
    from django.test import Client

    client = Client()
    timings: dict[str, list[float]] = {"api": [], "page": []}
    for url in urls():  # warm up: templates, the first connection
        assert client.get(url).status_code == 200, url
    for _round in range(rounds):
        for url in urls():
            began = time.perf_counter()
            response = client.get(url)
            timings["api" if url.startswith("/api/") else "page"].append(
                (time.perf_counter() - began) * 1000
            )
            assert response.status_code == 200, url
    return timings


def over_http(base: str, rounds: int) -> list[float]:
    timings = []
    for url in urls():
        urllib.request.urlopen(base + url, timeout=10).read()
    for _round in range(rounds):
        for url in urls():
            began = time.perf_counter()
            with urllib.request.urlopen(base + url, timeout=10) as response:
                response.read()
            timings.append((time.perf_counter() - began) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-gunicorn", action="store_true")
    args = parser.parse_args()
    prepare_demo_env(args.database_url)
    from django.db import connection

    from linli.hall.models import Matter

    matters = Matter.objects.count()
    timings = in_process(args.rounds)
    rows = []
    for kind, values in timings.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        rows.append(
            (
                f"{connection.vendor} in process, {kind} search ({matters} matters)",
                f"p50 {p50:.1f} / p95 {p95:.1f} ms",
                f"p95 ≤ {BUDGET_MS:.0f} ms",
                p95 <= BUDGET_MS,
            )
        )
    if not args.no_gunicorn:
        connection.close()
        with gunicorn(workers=2) as base:
            values = over_http(base, args.rounds)
        p50, p95 = percentile(values, 50), percentile(values, 95)
        rows.append(
            (
                f"{connection.vendor} gunicorn (2 workers), api + page",
                f"p50 {p50:.1f} / p95 {p95:.1f} ms",
                f"p95 ≤ {BUDGET_MS:.0f} ms",
                p95 <= BUDGET_MS,
            )
        )
    return report(rows)


if __name__ == "__main__":
    sys.exit(main())
