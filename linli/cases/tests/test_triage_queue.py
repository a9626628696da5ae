"""The human triage queue: cases triage was unsure about wait for a person to choose their
category — in the API, the officer's inbox and the case page — and are routed again."""

from __future__ import annotations

import json

import pytest

from linli.cases.models import Case, CaseEvent, Category
from linli.core import deadlines
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people import actions as people
from linli.people.models import Unit, User

pytestmark = pytest.mark.django_db

THEFT = "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠"


def call(client, method, url, user=None, body=None):
    headers = {}
    if user is not None:
        token = people.create_api_token(user, actor=user, name="test").token
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if method == "get":
        return client.get(url, **headers)
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return client.post(url, data, content_type="application/json", **headers)


def report(client, spot, settings, *, unsure: bool, description: str = THEFT, user=None):
    """A report; ``unsure`` makes triage send it to the human queue whatever it says."""
    settings.LINLI_TRIAGE_MIN_CONFIDENCE = 1.01 if unsure else 0.0
    body = {"kind": "report", "description": description, "lon": spot[0], "lat": spot[1]}
    response = call(client, "post", "/api/v1/cases", user, body)
    assert response.status_code == 201, response.content
    assert response.json()["needs_triage"] is unsure
    return Case.objects.select_related("category", "unit").get(number=response.json()["number"])


def triage_url(case: Case) -> str:
    return f"/api/v1/cases/{case.number}/triage"


# --- the API ---------------------------------------------------------------------------------


def test_the_list_filters_the_cases_waiting_for_triage(client, spot, settings, room_officer):
    waiting = report(client, spot, settings, unsure=True)
    sure = report(client, spot, settings, unsure=False, description=f"{THEFT}，又一辆")

    def numbers(query: str) -> list[str]:
        response = call(client, "get", f"/api/v1/cases{query}", room_officer)
        assert response.status_code == 200, response.content
        return [c["number"] for c in response.json()["items"]]

    assert numbers("?needs_triage=true") == [waiting.number]
    assert numbers("?needs_triage=false") == [sure.number]
    assert set(numbers("")) == {waiting.number, sure.number}
    listed = call(client, "get", "/api/v1/cases", room_officer).json()["items"]
    assert {c["number"]: c["needs_triage"] for c in listed} == {
        waiting.number: True,
        sure.number: False,
    }
    bad = call(client, "get", "/api/v1/cases?needs_triage=perhaps", room_officer)
    assert bad.status_code == 400


def test_the_room_officer_triages_a_case_which_is_routed_again_with_a_fresh_deadline(
    client, spot, settings, room, room_officer
):
    case = report(client, spot, settings, unsure=True)
    assert case.unit == room.unit  # routed on triage's best guess meanwhile: a theft

    response = call(
        client, "post", triage_url(case), room_officer, {"category": "municipal.street_light"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    case.refresh_from_db()
    lamp = Category.objects.get(code="municipal.street_light")
    assert body["category"]["code"] == "municipal.street_light" and body["needs_triage"] is False
    assert case.category == lamp and not case.needs_triage and not case.police_matter
    # Routed again at the same tier: a street light is the community committee's.
    assert case.tier == "community" and case.unit.kind == Unit.Kind.COMMUNITY_COMMITTEE
    assert case.area_code.startswith(case.unit.area_code)
    assert body["unit"]["id"] == case.unit_id
    # The deadline counts from when the case was received, with the street light's days.
    expected = deadlines.deadline(case.created_at, lamp.deadline_days("community"))
    assert (case.due_at, case.warn_at, case.warned_at) == (expected.due_at, expected.warn_at, None)
    event = case.events.get(kind=CaseEvent.Kind.TRIAGED)
    assert event.actor == room_officer and event.unit_id == case.unit_id
    assert lamp.name_zh in event.note and case.unit.name in event.note
    audit = AuditEvent.objects.get(kind=AuditKind.CASE_TRIAGED, object_id=str(case.pk))
    assert audit.before["category"] == "public_order.theft"
    assert audit.after == {"category": "municipal.street_light", "unit": case.unit_id}

    # The room that handled it first still follows it (it is in the timeline), but no longer
    # handles it; and the case no longer waits for triage, even for someone who may handle it.
    assert call(client, "get", f"/api/v1/cases/{case.number}", room_officer).status_code == 200
    body = {"category": "municipal"}
    assert call(client, "post", triage_url(case), room_officer, body).status_code == 403
    commander = User.objects.get(username="commander1")
    assert call(client, "post", triage_url(case), commander, body).status_code == 409


def test_a_note_goes_into_the_timeline_for_staff_only(client, spot, settings, room_officer):
    case = report(client, spot, settings, unsure=True)
    body = {"category": "public_order.theft", "note": "确认是盗窃"}
    assert call(client, "post", triage_url(case), room_officer, body).status_code == 200
    case.refresh_from_db()
    assert case.unit.kind == Unit.Kind.POLICE_ROOM and not case.needs_triage
    event = case.events.get(kind=CaseEvent.Kind.TRIAGED)
    assert event.note.endswith("确认是盗窃") and event.public is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "no.such.thing"}, "category"),
        ({"category": ""}, "category"),
        ({"category": "   "}, "category"),
        ({}, "category"),
        ({"category": 7}, "category"),
        ({"category": ["municipal"]}, "category"),
        ({"category": None}, "category"),
        ({"category": "x" * 65}, "category"),
        ({"category": "muni\x00cipal"}, "category"),
        ({"category": "municipal", "note": "x" * 2001}, "note"),
        ({"category": "municipal", "note": 5}, "note"),
    ],
)
def test_garbage_triage_gets_400_naming_the_field_and_changes_nothing(
    client, spot, settings, room_officer, body, field
):
    case = report(client, spot, settings, unsure=True)
    response = call(client, "post", triage_url(case), room_officer, body)
    assert response.status_code == 400, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    case.refresh_from_db()
    assert case.needs_triage and case.category.code == "public_order.theft"
    assert not case.events.filter(kind=CaseEvent.Kind.TRIAGED).exists()


@pytest.mark.parametrize("body", ["", "{", "[]", "null"])
def test_a_body_that_is_not_an_object_gets_400(client, spot, settings, room_officer, body):
    case = report(client, spot, settings, unsure=True)
    assert call(client, "post", triage_url(case), room_officer, body).status_code == 400


def test_only_the_handling_unit_triages_and_others_get_403_or_404(
    client, spot, settings, resident, other_room_officer
):
    case = report(client, spot, settings, unsure=True, user=resident)
    body = {"category": "municipal"}
    # The reporter sees the case but does not handle it.
    assert call(client, "post", triage_url(case), resident, body).status_code == 403
    theirs = call(client, "post", triage_url(case), other_room_officer, body)
    missing = call(
        client, "post", "/api/v1/cases/330499-20200101-000001/triage", other_room_officer, body
    )
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert call(client, "post", triage_url(case), None, body).status_code == 401
    case.refresh_from_db()
    assert case.needs_triage


# --- the officer's pages ---------------------------------------------------------------------


def test_the_inbox_marks_and_counts_the_triage_queue_and_filters_it(
    client, spot, settings, room_officer
):
    waiting = report(client, spot, settings, unsure=True)
    sure = report(client, spot, settings, unsure=False, description=f"{THEFT}，又一辆")
    client.force_login(room_officer)

    page = client.get("/cases/inbox/").content.decode()
    assert 'id="triage-count" data-count="1"' in page
    assert page.count("data-needs-triage") == 1
    assert waiting.number in page and sure.number in page

    queue = client.get("/cases/inbox/?needs_triage=1").content.decode()
    assert waiting.number in queue and sure.number not in queue


def test_the_officer_chooses_the_category_on_the_case_page_from_the_suggestions(
    client, spot, settings, room_officer, resident
):
    case = report(client, spot, settings, unsure=True)  # with the room meanwhile: a theft?
    client.force_login(room_officer)
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert 'id="triage-submit"' in page
    # Triage's own guess comes first, before the whole tree.
    suggested = case.triage["category"]
    first_option = page.index('<option value="', page.index('id="id_category"'))
    assert page.startswith(f'<option value="{suggested}"', first_option)

    refused = client.post(f"/cases/c/{case.number}/triage/", {"category": "no.such"})
    assert refused.status_code == 302
    case.refresh_from_db()
    assert case.needs_triage

    client.post(f"/cases/c/{case.number}/triage/", {"category": "municipal.street_light"})
    case.refresh_from_db()
    assert case.category.code == "municipal.street_light" and not case.needs_triage
    page = client.get(f"/cases/c/{case.number}/").content.decode()
    assert 'id="triage-submit"' not in page

    # A resident sees no chooser and cannot post one.
    other = report(client, spot, settings, unsure=True, user=resident)
    client.force_login(resident)
    assert 'id="triage-submit"' not in client.get(f"/cases/c/{other.number}/").content.decode()
    client.post(f"/cases/c/{other.number}/triage/", {"category": "municipal"})
    other.refresh_from_db()
    assert other.needs_triage


def test_a_commander_is_not_in_the_way_of_the_queue(client, spot, settings):
    """Administrators and commanders handle everything, so they may triage too."""
    case = report(client, spot, settings, unsure=True)
    commander = User.objects.get(username="commander1")
    response = call(client, "post", triage_url(case), commander, {"category": "municipal"})
    assert response.status_code == 200, response.content
