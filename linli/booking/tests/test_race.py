"""Fifty residents racing for the ten places of one slot: exactly ten bookings, forty refusals.

Real transactions and one database connection per thread. On PostgreSQL the slot row lock makes
them wait in turn; on SQLite one writer at a time, and the action retries while it is locked."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import translation

from linli.booking import actions, schedule
from linli.booking.actions import BookingError
from linli.booking.models import Booking, Slot
from linli.booking.tests.conftest import at, make_point, make_resident, next_workday


@pytest.mark.django_db(transaction=True)
def test_fifty_bookers_racing_for_ten_places_get_exactly_ten_bookings():
    point = make_point(capacity=10)
    day = next_workday()
    schedule.slots_for(point, day)
    people = [make_resident(n) for n in range(50)]
    barrier = threading.Barrier(len(people))
    booked: list[str] = []
    refused: list[BookingError] = []
    crashed: list[BaseException] = []

    def booker(person) -> None:
        barrier.wait()
        try:
            with translation.override("en"):
                booking = actions.book(person=person, point=point, starts_at=at(day, 9))
            booked.append(booking.reference)
        except BookingError as exc:
            refused.append(exc)
        except BaseException as exc:  # anything else is a failure of the test
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=booker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert crashed == []
    assert len(booked) == 10 and len(set(booked)) == 10
    assert len(refused) == 40
    assert {e.message for e in refused} == {"This time is fully booked."}
    assert Slot.objects.get(point=point, starts_at=at(day, 9)).booked == 10
    assert Booking.objects.filter(status=Booking.Status.BOOKED).count() == 10
