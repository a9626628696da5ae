"""Appointments under contention (issue #4): 200 bookers at once on a slot with 10 places.

Each booker is a thread with its own database connection calling the real action
(``linli.booking.actions.book``): the slot row is locked, checked and incremented in one
transaction. Exactly 10 must be booked and 190 refused as full; the throughput is the number of
answered attempts per second of wall time.

Usage: python bench/booking.py [--bookers 200] [--places 10] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile, postgres, prepare_demo_env, report


def run(bookers: int, places: int) -> dict[str, float]:
    from datetime import datetime
    from datetime import time as clock

    from django.db import connection

    from linli.booking import actions, schedule
    from linli.booking.actions import BookingError
    from linli.booking.models import Booking, OpeningPlan, ServicePoint
    from linli.core import workdays
    from linli.people.models import User

    point = ServicePoint.objects.create(kind=ServicePoint.Kind.STATION_HALL, name="bench hall")
    for weekday in range(7):
        OpeningPlan.objects.create(
            point=point, weekday=weekday, opens=clock(9), closes=clock(10), capacity=places
        )
    day = workdays.next_working_day(workdays.next_working_day(datetime.now().date()))
    starts_at = schedule.slots_for(point, day)[0].starts_at
    people = User.objects.bulk_create(
        [User(username=f"bench-booker-{n}-{point.pk}") for n in range(bookers)]
    )
    barrier = threading.Barrier(bookers + 1)
    booked: list[float] = []
    refused: list[float] = []
    failed: list[BaseException] = []

    def booker(person: User) -> None:
        barrier.wait()
        began = time.perf_counter()
        try:
            actions.book(person=person, point=point, starts_at=starts_at)
            booked.append(time.perf_counter() - began)
        except BookingError:
            refused.append(time.perf_counter() - began)
        except BaseException as exc:
            failed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=booker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    stored = Booking.objects.filter(slot__point=point, status=Booking.Status.BOOKED).count()
    latencies = [s * 1000 for s in booked + refused]
    return {
        "bookers": bookers,
        "places": places,
        "booked": len(booked),
        "stored": stored,
        "refused": len(refused),
        "failed": len(failed),
        "errors": failed,
        "wall_s": wall,
        "attempts_per_s": (len(booked) + len(refused)) / wall,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookers", type=int, default=200)
    parser.add_argument("--places", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL cluster (250 connections)"
    )
    args = parser.parse_args()
    if args.postgres:
        with postgres() as url:
            return measure(args, url)
    return measure(args, args.database_url)


def measure(args: argparse.Namespace, database_url: str | None) -> int:
    prepare_demo_env(database_url)
    from django.db import connection, connections

    result = run(args.bookers, args.places)
    connections.close_all()
    for error in result["errors"][:3]:
        print(f"error: {error!r}")
    n, places = args.bookers, args.places
    exact = result["booked"] == result["stored"] == places and result["failed"] == 0
    return report(
        [
            (
                f"{connection.vendor}: {n} bookers, {places} places",
                f"{result['booked']} booked, {result['refused']} refused",
                f"exactly {places} booked, {n - places} refused",
                exact and result["refused"] == n - places,
            ),
            ("stored bookings", str(result["stored"]), str(places), result["stored"] == places),
            ("errors other than 'full'", str(result["failed"]), "0", result["failed"] == 0),
            ("wall time", f"{result['wall_s']:.2f} s", "—", True),
            ("throughput", f"{result['attempts_per_s']:.0f} attempts/s", "—", True),
            (
                "latency p50 / p95",
                f"{result['p50_ms']:.0f} / {result['p95_ms']:.0f} ms",
                "—",
                True,
            ),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
