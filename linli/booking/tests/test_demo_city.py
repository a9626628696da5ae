"""On the demo city: the demo service points, door-to-door visits routed to the grid's officer
(or, when the place has none, taken by staff of the area), consulting a named officer of a police
room, and the resident pages."""

from __future__ import annotations

import io

import pytest
from django.db import transaction

from linli.booking import actions
from linli.booking.actions import BookingError
from linli.booking.demo import load_demo_booking
from linli.booking.models import Booking, OpeningPlan, ServicePoint, Visit, Window
from linli.booking.tests.conftest import at, next_workday
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import Membership, Role, Shift, User
from linli.places.models import PoliceRoom
from linli.web.demo.loader import build_demo_city

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo_city(io.StringIO(), progress=False)
        transaction.set_rollback(True)


@pytest.fixture
def resident(demo_city) -> User:
    return User.objects.get(username="resident1")


@pytest.fixture
def room(demo_city) -> PoliceRoom:
    return PoliceRoom.objects.select_related("unit").order_by("id").first()


def test_the_demo_has_the_district_hall_station_halls_and_every_police_room(demo_city):
    kinds = {k: ServicePoint.objects.filter(kind=k).count() for k in ServicePoint.Kind}
    assert kinds[ServicePoint.Kind.DISTRICT_HALL] == 1
    assert kinds[ServicePoint.Kind.STATION_HALL] >= 1
    assert kinds[ServicePoint.Kind.POLICE_ROOM] == PoliceRoom.objects.count()
    served = [w.matters for w in Window.objects.filter(point__kind=ServicePoint.Kind.POLICE_ROOM)]
    assert all("zhejiang_residence_permit" in matters for matters in served)
    assert OpeningPlan.objects.count() == 5 * ServicePoint.objects.count()


def test_loading_the_demo_points_again_adds_nothing(demo_city):
    assert load_demo_booking() == 0
    ServicePoint.objects.all().delete()
    created = load_demo_booking()
    assert created == 1 + ServicePoint.objects.exclude(kind="district_hall").count()


def test_a_visit_goes_to_the_officer_of_the_grid_who_proposes_and_finishes_it(resident, room):
    grid = room.micro_grids.order_by("code").first()
    visit = actions.request_visit(
        resident=resident,
        lon=grid.centroid_lon,
        lat=grid.centroid_lat,
        address="工地宿舍3号楼",
        matter="zhejiang_residence_permit",
    )
    assert visit.officer == room.named_officer and visit.area_code == grid.code
    with pytest.raises(BookingError):
        actions.accept_visit(visit, resident=resident)  # nothing proposed yet
    when = at(next_workday(), 15)
    actions.propose_visit(visit, officer=room.named_officer, at=when)
    actions.accept_visit(visit, resident=resident)
    done = actions.finish_visit(visit, officer=room.named_officer)
    assert done.status == Visit.Status.DONE and done.done_at is not None


def test_a_visit_outside_the_district_is_refused(resident):
    with pytest.raises(BookingError) as refused:
        actions.request_visit(resident=resident, lon=0.0, lat=0.0)
    assert refused.value.field == "lon" and not Visit.objects.exists()


def test_the_officer_finishes_a_visit_from_the_phone_page(client, resident, room):
    grid = room.micro_grids.order_by("code").first()
    client.force_login(resident)
    client.post(
        "/booking/visits/", {"lon": grid.centroid_lon, "lat": grid.centroid_lat, "address": "工地"}
    )
    visit = Visit.objects.get()
    officer = client.__class__()
    officer.force_login(room.named_officer)
    assert visit.reference in officer.get("/booking/visits/").content.decode()
    when = at(next_workday(), 15).strftime("%Y-%m-%dT%H:%M")
    officer.post(f"/booking/visits/{visit.pk}/propose/", {"at": when})
    client.post(f"/booking/visits/{visit.pk}/accept/")
    officer.post(f"/booking/visits/{visit.pk}/done/")
    assert Visit.objects.get().status == Visit.Status.DONE


def test_a_resident_consults_a_named_officer_of_the_room_but_not_an_outsider(resident, room):
    point = ServicePoint.objects.get(unit=room.unit)
    when = at(next_workday(), 10)
    booking = actions.book(person=resident, point=point, starts_at=when, officer=room.named_officer)
    assert booking.officer == room.named_officer
    outsider = Membership.objects.filter(role=Role.OFFICER).exclude(unit=room.unit).first().user
    with pytest.raises(BookingError) as refused:
        actions.book(
            person=resident, point=point, starts_at=at(next_workday(), 11), officer=outsider
        )
    assert refused.value.field == "officer"
    assert Booking.objects.count() == 1


def test_a_resident_books_and_cancels_from_the_pages(client, resident, room):
    point = ServicePoint.objects.get(unit=room.unit)
    day = next_workday()
    client.force_login(resident)
    assert point.name in client.get("/booking/").content.decode()
    page = client.get(f"/booking/points/{point.pk}/?date={day.isoformat()}").content.decode()
    starts = at(day, 9).isoformat()
    assert starts in page
    from linli.hall.models import Matter  # the matters are named from the hall's catalogue

    served = {code for window in point.windows.all() for code in window.matters}
    names = Matter.objects.filter(code__in=served).values_list("name_zh", flat=True)
    assert served and len(names) == len(served) and all(name in page for name in names)
    client.post(
        f"/booking/points/{point.pk}/book/", {"starts_at": starts, "matter": "same_name_query"}
    )
    booking = Booking.objects.get()
    mine = client.get("/booking/mine/").content.decode()
    assert booking.reference in mine and f"move={booking.pk}" in mine
    later = at(day, 10).isoformat()
    client.post(f"/booking/points/{point.pk}/book/", {"starts_at": later, "move": booking.pk})
    booking.refresh_from_db()
    assert Booking.objects.count() == 1 and booking.slot.starts_at == at(day, 10)
    client.post(f"/booking/bookings/{booking.pk}/cancel/")
    assert Booking.objects.get().status == Booking.Status.CANCELLED


def test_the_live_queue_page_polls_with_local_htmx_and_a_window_calls_the_next(
    client, resident, room
):
    point = ServicePoint.objects.get(unit=room.unit)
    page = client.get(f"/booking/points/{point.pk}/queue/").content.decode()
    assert 'hx-trigger="every 5s"' in page and "/static/vendor/htmx/htmx.min.js" in page
    client.force_login(resident)
    client.post(f"/booking/points/{point.pk}/queue/take/", {"matter": ""})
    staff = client.__class__()
    staff.force_login(room.named_officer)
    window = point.windows.first()
    staff_queue = staff.get(f"/booking/points/{point.pk}/queue/").content.decode()
    assert f"/booking/windows/{window.pk}/" in staff_queue
    assert "staff-windows" not in client.get(f"/booking/points/{point.pk}/queue/").content.decode()
    ticket_page = staff.get(f"/booking/windows/{window.pk}/").content.decode()
    assert "R001" in ticket_page
    ticket = point.tickets.get()
    staff.post(f"/booking/windows/{window.pk}/", {"check_in": ticket.pk})
    staff.post(f"/booking/windows/{window.pk}/")
    board = client.get(f"/booking/points/{point.pk}/queue/board/").content.decode()
    assert "R001" in board
    assert staff.get(f"/booking/windows/{window.pk + 100000}/").status_code == 404


# --- visits nobody was assigned --------------------------------------------------------------


@pytest.fixture
def orphan_room(room) -> PoliceRoom:
    """A police room with no named officer and nobody on duty: its visits get no officer."""
    PoliceRoom.objects.filter(pk=room.pk).update(named_officer=None)
    Shift.objects.filter(unit=room.unit).delete()
    return room


@pytest.fixture
def orphan_visit(resident, orphan_room) -> Visit:
    grid = orphan_room.micro_grids.order_by("code").first()
    return actions.request_visit(
        resident=resident, lon=grid.centroid_lon, lat=grid.centroid_lat, address="工地宿舍5号楼"
    )


def _member(role: Role, **unit: object) -> User:
    return Membership.objects.filter(role=role, is_active=True, **unit).first().user


def _elsewhere_officer(room: PoliceRoom) -> User:
    rooms = Membership.objects.filter(role=Role.OFFICER, unit__kind="police_room")
    return rooms.exclude(unit__area_code=room.unit.area_code).first().user


def test_a_visit_with_no_officer_is_taken_by_an_officer_of_the_covering_room_and_carried_out(
    client, resident, orphan_room, orphan_visit
):
    assert orphan_visit.officer is None
    covering = _member(Role.OFFICER, unit=orphan_room.unit)
    officer = client.__class__()
    officer.force_login(covering)
    page = officer.get("/booking/visits/").content.decode()
    assert 'id="unassigned"' in page and orphan_visit.reference in page
    assert officer.post(f"/booking/visits/{orphan_visit.pk}/take/").status_code == 302
    orphan_visit.refresh_from_db()
    assert orphan_visit.officer == covering
    page = officer.get("/booking/visits/").content.decode()
    assert f"/booking/visits/{orphan_visit.pk}/propose/" in page and 'id="unassigned"' not in page
    when = at(next_workday(), 15).strftime("%Y-%m-%dT%H:%M")
    officer.post(f"/booking/visits/{orphan_visit.pk}/propose/", {"at": when})
    client.force_login(resident)
    client.post(f"/booking/visits/{orphan_visit.pk}/accept/")
    officer.post(f"/booking/visits/{orphan_visit.pk}/done/")
    assert Visit.objects.get().status == Visit.Status.DONE


def test_an_officer_of_another_area_neither_sees_nor_takes_a_visit_with_no_officer(
    client, orphan_room, orphan_visit
):
    client.force_login(_elsewhere_officer(orphan_room))
    assert orphan_visit.reference not in client.get("/booking/visits/").content.decode()
    assert client.post(f"/booking/visits/{orphan_visit.pk}/take/").status_code == 404
    assert Visit.objects.get().officer is None


def test_street_staff_and_grid_workers_of_the_area_see_it_but_district_departments_do_not(
    orphan_room, orphan_visit
):
    street = orphan_room.station.unit.area_code
    seen_by = {
        role: Visit.objects.unassigned_for(_member(role, unit__area_code=area)).exists()
        for role, area in (
            (Role.STREET_STAFF, street),
            (Role.GRID_WORKER, orphan_room.unit.area_code),
            (Role.DEPARTMENT_STAFF, street[:6]),
            (Role.TRAFFIC_OFFICER, street[:6]),
        )
    }
    assert seen_by == {
        Role.STREET_STAFF: True,
        Role.GRID_WORKER: True,
        Role.DEPARTMENT_STAFF: False,
        Role.TRAFFIC_OFFICER: False,
    }


def test_a_visit_is_taken_once_and_never_by_an_officer_of_another_area(orphan_room, orphan_visit):
    with pytest.raises(BookingError) as outside:
        actions.take_visit(orphan_visit, officer=_elsewhere_officer(orphan_room))
    assert outside.value.status == 403
    first, second = [m.user for m in Membership.objects.filter(unit=orphan_room.unit)[:2]]
    actions.take_visit(orphan_visit, officer=first)
    with pytest.raises(BookingError) as again:
        actions.take_visit(Visit.objects.get(), officer=second)
    assert again.value.status == 409 and Visit.objects.get().officer == first


@pytest.mark.parametrize("visit_id", ["abc", "1.5", "-3", "9" * 40, "１", "0", "99999999"])
def test_garbage_posted_to_take_a_visit_is_a_4xx_and_takes_nothing(
    client, orphan_room, orphan_visit, visit_id
):
    client.force_login(_member(Role.OFFICER, unit=orphan_room.unit))
    response = client.post(f"/booking/visits/{visit_id}/take/", {"officer": "1 OR 1=1"})
    assert 400 <= response.status_code < 500
    assert Visit.objects.get().officer is None


def test_the_resident_cannot_take_their_own_visit_nor_post_an_unknown_verb(
    client, resident, orphan_visit
):
    client.force_login(resident)
    refused = client.post(f"/booking/visits/{orphan_visit.pk}/take/")
    assert refused.status_code == 403 and b'class="messages"' in refused.content
    assert client.post(f"/booking/visits/{orphan_visit.pk}/assign/").status_code == 404
    assert client.get(f"/booking/visits/{orphan_visit.pk}/take/").status_code == 405
    assert Visit.objects.get().officer is None


# --- the audit trail of a visit ----------------------------------------------------------------


def _visit_events(visit: Visit) -> list[tuple[AuditKind, int | None]]:
    rows = AuditEvent.objects.filter(object_type="booking.visit", object_id=str(visit.pk))
    return [(AuditKind(k), actor) for k, actor in rows.order_by("id").values_list("kind", "actor")]


def test_each_step_of_a_visit_is_one_audit_event_naming_who_took_it(resident, room):
    grid = room.micro_grids.order_by("code").first()
    officer = room.named_officer
    visit = actions.request_visit(resident=resident, lon=grid.centroid_lon, lat=grid.centroid_lat)
    with pytest.raises(BookingError):
        actions.accept_visit(visit, resident=resident)  # refused: nothing proposed yet
    proposed_for = at(next_workday(), 15)
    actions.propose_visit(visit, officer=officer, at=proposed_for, now=at(next_workday(), 8))
    actions.accept_visit(visit, resident=resident)
    with pytest.raises(BookingError):
        actions.finish_visit(visit, officer=resident)  # refused: not the resident's to finish
    actions.finish_visit(visit, officer=officer, now=at(next_workday(), 16))
    assert _visit_events(visit) == [
        (AuditKind.VISIT_REQUESTED, resident.pk),
        (AuditKind.VISIT_PROPOSED, officer.pk),
        (AuditKind.VISIT_ACCEPTED, resident.pk),
        (AuditKind.VISIT_DONE, officer.pk),
    ]
    proposed = AuditEvent.objects.get(kind=AuditKind.VISIT_PROPOSED)
    assert proposed.before == {"status": "requested"}
    assert proposed.after == {"status": "proposed", "proposed_at": proposed_for.isoformat()}
    requested = AuditEvent.objects.get(kind=AuditKind.VISIT_REQUESTED)
    assert requested.after["officer"] == officer.pk and requested.after["area_code"] == grid.code


def test_a_visit_outside_the_district_writes_no_event(resident):
    with pytest.raises(BookingError):
        actions.request_visit(resident=resident, lon=0.0, lat=0.0)
    assert not AuditEvent.objects.filter(kind__gte=600, kind__lt=700).exists()


def test_taking_a_visit_is_one_event_and_a_refused_take_none(orphan_room, orphan_visit):
    with pytest.raises(BookingError):
        actions.take_visit(orphan_visit, officer=_elsewhere_officer(orphan_room))
    first, second = [m.user for m in Membership.objects.filter(unit=orphan_room.unit)[:2]]
    actions.take_visit(orphan_visit, officer=first)
    with pytest.raises(BookingError):
        actions.take_visit(Visit.objects.get(), officer=second)
    assert _visit_events(orphan_visit) == [
        (AuditKind.VISIT_REQUESTED, orphan_visit.resident_id),
        (AuditKind.VISIT_TAKEN, first.pk),
    ]
    taken = AuditEvent.objects.get(kind=AuditKind.VISIT_TAKEN)
    assert (taken.before, taken.after) == ({"officer": None}, {"officer": first.pk})
