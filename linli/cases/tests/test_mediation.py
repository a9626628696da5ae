"""Mediation: a joint session is scheduled with the units taking part, then its outcome recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.cases.actions import Intake, submit_case
from linli.cases.actions.common import CaseError
from linli.cases.actions.mediation import record_mediation_outcome, schedule_mediation
from linli.people.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(spot, resident):
    text = "楼上邻居每天半夜拖椅子，吵得睡不着，协商多次无果，申请调解"
    intake = Intake(kind="mediation", channel="web", description=text, lon=spot[0], lat=spot[1])
    return submit_case(intake, actor=resident).case


@pytest.fixture
def units(dispute):
    street = Unit.objects.filter(kind=Unit.Kind.STREET_OFFICE).order_by("code").first()
    return [street, dispute.unit]


def test_a_session_is_scheduled_and_its_agreement_recorded(dispute, units, room_officer):
    at = timezone.now() + timedelta(days=2)
    session = schedule_mediation(
        dispute, actor=room_officer, at=at, parties="张某（楼上）、李某（楼下）", units=units,
        place="社区调解室",
    )  # fmt: skip
    assert set(session.units.all()) == set(units)
    assert dispute.events.filter(kind="mediation").count() == 1
    record_mediation_outcome(session, actor=room_officer, agreed=True, text="晚十点后不再拖动家具")
    session.refresh_from_db()
    assert session.outcome == "agreed" and "晚十点" in session.agreement
    with pytest.raises(CaseError):
        record_mediation_outcome(session, actor=room_officer, agreed=False, text="again")


def test_a_video_session_needs_a_valid_link(dispute, units, room_officer):
    at = timezone.now() + timedelta(days=1)
    session = schedule_mediation(
        dispute, actor=room_officer, at=at, parties="双方", units=units,
        video_link="https://meet.example.gov.cn/room/42",
    )  # fmt: skip
    assert session.video_link.endswith("/42")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at": timezone.now() - timedelta(hours=1)}, "at"),
        ({"parties": " "}, "parties"),
        ({"place": "", "video_link": ""}, "place"),
        ({"place": "", "video_link": "not a link"}, "video_link"),
        ({"units": []}, "units"),
    ],
)
def test_bad_sessions_are_refused_naming_the_field(dispute, units, room_officer, changes, field):
    arguments = {
        "at": timezone.now() + timedelta(days=1),
        "parties": "双方",
        "units": units,
        "place": "社区调解室",
        "video_link": "",
    } | changes
    with pytest.raises(CaseError) as caught:
        schedule_mediation(dispute, actor=room_officer, **arguments)
    assert caught.value.field == field
    assert not dispute.mediations.exists()


def test_an_empty_outcome_is_refused(dispute, units, room_officer):
    session = schedule_mediation(
        dispute, actor=room_officer, at=timezone.now() + timedelta(days=1), parties="双方",
        units=units, place="社区调解室",
    )  # fmt: skip
    with pytest.raises(CaseError) as caught:
        record_mediation_outcome(session, actor=room_officer, agreed=False, text="")
    assert caught.value.field == "text"


# --- over the API and on the case page -------------------------------------------------------


def bearer(user):
    from linli.people import actions as people

    key = people.create_api_token(user, actor=user, name="test").token
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def session_body(units, changes=None):
    return {
        "at": (timezone.now() + timedelta(days=2)).isoformat(),
        "parties": "张某（楼上）、李某（楼下）",
        "units": [u.pk for u in units],
        "place": "社区调解室",
    } | (changes or {})


def test_the_street_schedules_a_session_over_the_api_and_records_the_agreement(
    client, dispute, units, street_staff
):
    url = f"/api/v1/cases/{dispute.number}/mediations"
    made = client.post(
        url, session_body(units), content_type="application/json", **bearer(street_staff)
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["outcome"] == "pending" and {u["id"] for u in body["units"]} == {
        u.pk for u in units
    }
    outcome = f"{url}/{body['id']}/outcome"
    done = client.post(
        outcome,
        {"agreed": True, "text": "晚十点后不再拖动家具"},
        content_type="application/json",
        **bearer(street_staff),
    )
    assert done.status_code == 200 and done.json()["outcome"] == "agreed"
    again = client.post(
        outcome,
        {"agreed": False, "text": "again"},
        content_type="application/json",
        **bearer(street_staff),
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at": "next week"}, "at"),
        ({"at": "2020-01-01T10:00:00+08:00"}, "at"),
        ({"parties": " "}, "parties"),
        ({"units": []}, "units"),
        ({"units": [99999999]}, "units"),
        ({"units": ["court"]}, "units.0"),
        ({"place": "", "video_link": "not a link"}, "video_link"),
        ({"place": ""}, "place"),
    ],
)
def test_garbage_sessions_over_the_api_name_the_field_and_store_nothing(
    client, dispute, units, street_staff, changes, field
):
    response = client.post(
        f"/api/v1/cases/{dispute.number}/mediations",
        session_body(units, changes),
        content_type="application/json",
        **bearer(street_staff),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not dispute.mediations.exists()


def test_a_garbage_outcome_is_refused_and_another_room_gets_404(
    client, dispute, units, street_staff, other_room_officer
):
    session = schedule_mediation(
        dispute, actor=street_staff, at=timezone.now() + timedelta(days=1), parties="双方",
        units=units, place="社区调解室",
    )  # fmt: skip
    url = f"/api/v1/cases/{dispute.number}/mediations/{session.pk}/outcome"
    for body, field in (({"agreed": "maybe", "text": "x"}, "agreed"), ({"agreed": True}, "text")):
        response = client.post(url, body, content_type="application/json", **bearer(street_staff))
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
    stranger = client.post(
        url, {"agreed": True, "text": "x"}, content_type="application/json",
        **bearer(other_room_officer),
    )  # fmt: skip
    assert stranger.status_code == 404
    made = client.post(
        f"/api/v1/cases/{dispute.number}/mediations", session_body(units),
        content_type="application/json", **bearer(other_room_officer),
    )  # fmt: skip
    assert made.status_code == 404
    session.refresh_from_db()
    assert session.outcome == "pending" and dispute.mediations.count() == 1


def local(minutes_from_now: int) -> str:
    at = timezone.localtime(timezone.now() + timedelta(minutes=minutes_from_now))
    return at.strftime("%Y-%m-%dT%H:%M")


def test_the_street_arranges_a_video_session_on_the_case_page_and_records_a_failure(
    client, dispute, units, street_staff
):
    client.force_login(street_staff)
    page = client.get(f"/cases/c/{dispute.number}/").content.decode()
    assert 'id="mediation-form"' in page
    made = client.post(
        f"/cases/c/{dispute.number}/mediation/",
        {
            "parties": "张某、李某",
            "units": [u.pk for u in units],
            "at": local(60 * 24),
            "video_link": "https://meet.example.gov.cn/room/7",
        },
    )
    assert made.status_code == 302
    session = dispute.mediations.get()
    assert session.video_link.endswith("/7") and set(session.units.all()) == set(units)
    url = f"/cases/c/{dispute.number}/mediation/{session.pk}/outcome/"
    empty = client.post(url, {"agreed": "0", "text": ""})
    assert empty.status_code == 400 and "text" in empty.context["outcome_form"].errors
    assert client.post(url, {"agreed": "0", "text": "双方分歧太大"}).status_code == 302
    session.refresh_from_db()
    assert session.outcome == "failed"
    assert "双方分歧太大" in client.get(f"/cases/c/{dispute.number}/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"at": "soon"}, "at"),
        ({"at": local(-60)}, "at"),
        ({"units": ["99999999"]}, "units"),
        ({"parties": ""}, "parties"),
        ({"place": "", "video_link": ""}, "place"),
        ({"place": "", "video_link": "javascript:alert(1)"}, "video_link"),
    ],
)
def test_garbage_on_the_mediation_form_names_the_field_and_stores_nothing(
    client, dispute, units, street_staff, changes, field
):
    client.force_login(street_staff)
    data = {
        "parties": "张某、李某",
        "units": [u.pk for u in units],
        "at": local(60 * 24),
        "place": "社区调解室",
    } | changes
    response = client.post(f"/cases/c/{dispute.number}/mediation/", data)
    assert response.status_code == 400
    assert field in response.context["mediation_form"].errors
    assert not dispute.mediations.exists()


def test_another_room_cannot_arrange_a_session_on_the_page(
    client, dispute, units, other_room_officer
):
    client.force_login(other_room_officer)
    data = {"parties": "x", "units": [units[0].pk], "at": local(600), "place": "x"}
    assert client.post(f"/cases/c/{dispute.number}/mediation/", data).status_code == 404
    assert not dispute.mediations.exists()
