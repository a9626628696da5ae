"""Applications (办件) end to end through the API: applying with certificates from the library,
every staff step by the right person, the deadline clock, the sweeps — and garbage."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from linli.core import deadlines
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall import applications
from linli.hall.models import Application, ApplicationEvent, ApplicationMaterial
from linli.hall.tests.conftest import HOTEL_ANSWERS, RESIDENT_ID, hand_in_missing
from linli.people import actions as people

pytestmark = pytest.mark.django_db
API = "/api/v1/hall/applications"


def bearer(user) -> dict[str, str]:
    token = people.create_api_token(user, actor=user, name="test").token
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, user):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **bearer(user))


def fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def apply_hotel(client, resident, **extra):
    body = {"matter": "hotel_special_trade", "data": HOTEL_ANSWERS, "consent": True, **extra}
    return post(client, API, body, resident)


def test_applying_fetches_what_the_library_holds_and_sets_the_deadline(client, resident, clerk):
    before = timezone.now()
    response = apply_hotel(
        client, resident, delivery="post", address="南湖区邻里路8号 王芳 13800001234"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["number"].startswith("A")
    sources = {m["name"]: m["source"] for m in body["materials"]}
    assert sources["法定代表人居民身份证"] == "library"
    assert sources["营业执照"] == "library"
    assert sources["经营场所房屋产权证明或租赁合同"] == "library"
    assert sources["旅馆平面图（标明客房、安全通道、监控点位）"] == "missing"
    assert body["fee_fen"] == 1200 and body["fee_paid"] is False  # free licence, EMS postage
    application = Application.objects.get(number=body["number"])
    expected = deadlines.deadline(application.submitted_at, 2)
    assert application.due_at == expected.due_at and application.warn_at == expected.warn_at
    assert application.submitted_at >= before
    fetched = AuditEvent.objects.filter(
        kind=AuditKind.CERTIFICATE_FETCHED, object_id=str(application.pk)
    )
    assert fetched.count() == 3
    # answers are personal data: encrypted at rest, masked when shown
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM hall_application WHERE id = %s", [application.pk])
        (stored,) = cursor.fetchone()
    assert "13800001234" not in stored and "南湖区邻里民宿" not in stored
    phone = next(a for a in body["answers"] if a["name"] == "contact_phone")
    assert phone["value"] == "138****1234"


def test_without_consent_nothing_is_fetched(client, resident):
    body = apply_hotel(client, resident, consent=False).json()
    assert {m["source"] for m in body["materials"]} == {"missing"}
    assert not AuditEvent.objects.filter(kind=AuditKind.CERTIFICATE_FETCHED).exists()
    assert body["fee_fen"] == 0  # collected at the window: no postage


def test_a_client_that_says_nothing_about_consent_fetches_nothing(client, resident):
    body = {"matter": "hotel_special_trade", "data": HOTEL_ANSWERS}
    response = post(client, API, body, resident)
    assert response.status_code == 201, response.json()
    assert {m["source"] for m in response.json()["materials"]} == {"missing"}
    assert not AuditEvent.objects.filter(kind=AuditKind.CERTIFICATE_FETCHED).exists()


def test_the_whole_way_to_a_posted_certificate(client, resident, clerk, localpay_paid):
    number = apply_hotel(client, resident, delivery="post", address="邻里路8号").json()["number"]
    assert post(client, f"{API}/{number}/accept", {}, clerk).status_code == 200
    incomplete = post(client, f"{API}/{number}/approve", {}, clerk)
    assert incomplete.status_code == 409 and "旅馆平面图" in incomplete.json()["message"]
    assert hand_in_missing(Application.objects.get(number=number), clerk) == 3
    response = post(client, f"{API}/{number}/approve", {}, clerk)
    assert response.status_code == 200, response.json()
    refused = post(client, f"{API}/{number}/issue", {}, clerk)
    assert refused.status_code == 409  # the postage is not paid yet
    localpay_paid(Application.objects.get(number=number))
    issued = post(client, f"{API}/{number}/issue", {}, clerk).json()
    assert issued["status"] == "issued" and issued["permit_number"]
    missing = post(client, f"{API}/{number}/deliver", {"carrier": "EMS"}, clerk)
    assert missing.status_code == 400 and fields(missing) == {"tracking_number"}
    done = post(
        client,
        f"{API}/{number}/deliver",
        {"carrier": "EMS", "tracking_number": "ea 123456789 cn"},
        clerk,
    ).json()
    assert done["status"] == "delivered" and done["tracking_number"] == "EA123456789CN"
    seen = client.get(f"{API}/{number}", **bearer(resident)).json()
    assert seen["tracking_number"] == "EA123456789CN" and seen["next_actions"] == []
    statuses = [e["status"] for e in seen["events"] if e["kind"] == "status"]
    assert [e["kind"] for e in seen["events"]].count("uploaded") == 3
    assert statuses == ["submitted", "accepted", "approved", "issued", "delivered"]
    changes = AuditEvent.objects.filter(kind=AuditKind.APPLICATION_STATUS_CHANGED)
    assert changes.count() == 4 and {e.actor_id for e in changes} == {clerk.pk}


def test_a_window_delivery_ends_collected(client, resident, clerk):
    number = apply_hotel(client, resident).json()["number"]
    hand_in_missing(Application.objects.get(number=number), resident)
    for action in ("accept", "approve", "issue", "deliver"):
        body = post(client, f"{API}/{number}/{action}", {}, clerk).json()
    assert body["status"] == "collected" and body["tracking_number"] == ""


@pytest.mark.parametrize(
    ("path", "status"),
    [("approve", 200), ("issue", 409), ("deliver", 409)],
)
def test_steps_out_of_order_are_refused(client, resident, clerk, path, status):
    number = apply_hotel(client, resident).json()["number"]
    hand_in_missing(Application.objects.get(number=number), resident)
    post(client, f"{API}/{number}/accept", {}, clerk)
    assert post(client, f"{API}/{number}/{path}", {}, clerk).status_code == status


def test_a_refusal_needs_a_reason_and_ends_it(client, resident, clerk):
    number = apply_hotel(client, resident).json()["number"]
    no_reason = post(client, f"{API}/{number}/refuse", {"reason": "  "}, clerk)
    assert no_reason.status_code == 400 and fields(no_reason) == {"reason"}
    assert Application.objects.get(number=number).status == "submitted"
    body = post(client, f"{API}/{number}/refuse", {"reason": "场所不符合消防要求"}, clerk).json()
    assert body["status"] == "refused" and body["next_actions"] == []
    assert post(client, f"{API}/{number}/accept", {}, clerk).status_code == 409


def test_more_materials_stop_the_clock_and_resubmitting_restarts_it(client, resident, clerk):
    number = apply_hotel(client, resident, consent=False).json()["number"]
    application = Application.objects.get(number=number)
    # Submitted on a fixed Monday morning, so the clock never runs into a year not entered.
    application.submitted_at = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    due = deadlines.deadline(application.submitted_at, 2)
    application.due_at, application.warn_at = due.due_at, due.warn_at
    application.save(update_fields=["submitted_at", "due_at", "warn_at"])
    asked_at = application.submitted_at + timedelta(minutes=5)
    applications.act(
        application, "request_more", applications.Step("请补充平面图"), actor=clerk, now=asked_at
    )
    back_at = asked_at + timedelta(days=3)
    applications.resubmit(application, actor=resident, note="已补充", consent=True, now=back_at)
    application.refresh_from_db()
    assert application.status == "resubmitted" and application.paused_at is None
    expected = deadlines.extend_by_working_time(
        deadlines.deadline(application.submitted_at, 2).due_at, asked_at, back_at
    )
    assert application.due_at == expected
    library = application.materials.filter(source=ApplicationMaterial.Source.LIBRARY)
    assert library.count() == 3  # fetched on resubmission, with consent


def test_nobody_but_the_applicant_resubmits_or_pays(client, resident, clerk):
    number = apply_hotel(client, resident).json()["number"]
    post(client, f"{API}/{number}/request_more", {"reason": "补充"}, clerk)
    assert post(client, f"{API}/{number}/resubmit", {}, clerk).status_code == 403
    assert post(client, f"{API}/{number}/pay", {}, clerk).status_code == 403


def test_residents_cannot_take_staff_steps_nor_see_others(client, resident, clerk, stranger):
    number = apply_hotel(client, resident).json()["number"]
    assert post(client, f"{API}/{number}/accept", {}, resident).status_code == 403
    # another district's officer: as if it did not exist
    assert client.get(f"{API}/{number}", **bearer(stranger)).status_code == 404
    assert post(client, f"{API}/{number}/accept", {}, stranger).status_code == 404
    assert client.get(API, **bearer(stranger)).json()["count"] == 0
    assert client.get(API, **bearer(clerk)).json()["count"] == 1


def test_staff_never_decide_their_own_application(client, clerk, resident):
    clerk.id_number, clerk.is_real_name = RESIDENT_ID[:-4] + "0019", True
    clerk.id_number_index = "x"
    clerk.save()
    own = post(client, API, {"matter": "hotel_special_trade", "data": HOTEL_ANSWERS}, clerk)
    assert own.status_code == 201, own.json()
    number = own.json()["number"]
    assert post(client, f"{API}/{number}/accept", {}, clerk).status_code == 403


def test_an_officer_files_for_a_resident_and_it_is_theirs(client, resident, clerk):
    response = apply_hotel(client, clerk, applicant_id_number=RESIDENT_ID)
    assert response.status_code == 201, response.json()
    application = Application.objects.get(number=response.json()["number"])
    assert application.applicant == resident and application.agent == clerk
    assert client.get(API, **bearer(resident)).json()["count"] == 1
    unknown = apply_hotel(client, clerk, applicant_id_number="11010519491231002X")
    assert unknown.status_code == 404 and fields(unknown) == {"applicant_id_number"}


def test_residents_cannot_file_for_others(client, resident):
    response = apply_hotel(client, resident, applicant_id_number=RESIDENT_ID)
    assert response.status_code == 403


def test_a_window_clerk_fetches_for_the_applicant_present(client, resident, clerk):
    number = apply_hotel(client, resident, consent=False).json()["number"]
    wrong = post(client, f"{API}/{number}/fetch", {"id_number": "11010519491231002X"}, clerk)
    assert wrong.status_code == 409 and fields(wrong) == {"id_number"}
    bad = post(client, f"{API}/{number}/fetch", {"id_number": "123"}, clerk)
    assert bad.status_code == 400 and fields(bad) == {"id_number"}
    body = post(client, f"{API}/{number}/fetch", {"id_number": RESIDENT_ID}, clerk).json()
    assert sum(m["source"] == "library" for m in body["materials"]) == 3
    audit = AuditEvent.objects.filter(kind=AuditKind.CERTIFICATE_FETCHED, actor=clerk)
    assert audit.count() == 3


def test_an_expired_or_revoked_certificate_is_not_fetched(client, resident):
    from linli.hall.models import Certificate

    Certificate.objects.filter(cert_type="business_licence").update(revoked=True)
    Certificate.objects.filter(cert_type="property_certificate").update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    body = apply_hotel(client, resident).json()
    sources = {m["name"]: m["source"] for m in body["materials"]}
    assert sources["营业执照"] == "missing" and sources["法定代表人居民身份证"] == "library"
    assert sources["经营场所房屋产权证明或租赁合同"] == "missing"


def test_only_real_name_accounts_apply(client, clerk):
    from linli.people.models import User

    plain = User.objects.create(username="plain", phone="13900000077")
    response = apply_hotel(client, plain)
    assert response.status_code == 403 and not Application.objects.exists()


# --- garbage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "bad"),
    [
        ({"data": {**HOTEL_ANSWERS, "rooms": "twelve"}}, {"rooms"}),
        ({"data": {**HOTEL_ANSWERS, "rooms": [1]}}, {"rooms"}),
        ({"data": {**HOTEL_ANSWERS, "contact_phone": "12345"}}, {"contact_phone"}),
        (
            {"data": {k: v for k, v in HOTEL_ANSWERS.items() if k != "organisation_name"}},
            {"organisation_name"},
        ),
        ({"data": {**HOTEL_ANSWERS, "sneaky": "x"}}, {"sneaky"}),
        ({"data": {**HOTEL_ANSWERS, "premises_address": "a\x00b"}}, {"premises_address"}),
        ({"data": "not an object"}, {"data"}),
        ({"delivery": "drone"}, {"delivery"}),
        ({"delivery": "post"}, {"address"}),
        ({"consent": "perhaps"}, {"consent"}),
        ({"matter": 12}, {"matter"}),
    ],
)
def test_garbage_is_400_naming_the_field_and_stores_nothing(client, resident, change, bad):
    response = apply_hotel(client, resident, **change)
    assert response.status_code == 400, response.json()
    assert fields(response) == bad
    assert not Application.objects.exists() and not ApplicationEvent.objects.exists()


@pytest.mark.parametrize("body", ["", "{", "[]", "null", '{"matter": "hotel_special_trade"}'])
def test_unreadable_bodies_are_400(client, resident, body):
    response = post(client, API, body, resident)
    assert response.status_code == 400 and not Application.objects.exists()


def test_an_unknown_matter_or_an_offline_one_is_refused(client, resident):
    assert apply_hotel(client, resident, matter="no_such_matter").status_code == 404
    assert apply_hotel(client, resident, matter="x\x00y").status_code in (400, 404)


@pytest.mark.parametrize("number", ["A1", "nonsense", "A20261201000%00", "'; drop"])
def test_odd_numbers_are_404(client, resident, number):
    assert client.get(f"{API}/{number}", **bearer(resident)).status_code == 404


def test_unknown_actions_are_404_and_anonymous_is_401(client, resident, clerk):
    number = apply_hotel(client, resident).json()["number"]
    assert post(client, f"{API}/{number}/explode", {}, clerk).status_code == 404
    assert (
        client.post(f"{API}/{number}/accept", "{}", content_type="application/json").status_code
        == 401
    )
    assert client.get(API).status_code == 401


# --- sweeps -----------------------------------------------------------------------------------


def test_the_sweeps_warn_then_mark_overdue_exactly_once(client, resident):
    number = apply_hotel(client, resident).json()["number"]
    application = Application.objects.get(number=number)
    assert applications.warn_due(application.warn_at - timedelta(seconds=1)) == 0
    assert applications.warn_due(application.warn_at) == 1
    assert applications.warn_due(application.due_at) == 0
    assert applications.mark_overdue(application.due_at) == 1
    assert applications.mark_overdue(application.due_at + timedelta(days=1)) == 0
    application.refresh_from_db()
    assert application.is_overdue
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds.count("warned") == 1 and kinds.count("overdue") == 1
    assert client.get(f"{API}/{number}", **bearer(resident)).json()["overdue"] is True


def test_a_paused_application_is_not_swept(client, resident, clerk):
    number = apply_hotel(client, resident).json()["number"]
    post(client, f"{API}/{number}/request_more", {"reason": "补充"}, clerk)
    application = Application.objects.get(number=number)
    assert applications.mark_overdue(application.due_at + timedelta(days=30)) == 0


def test_my_certificates_are_listed_masked(client, resident):
    body = client.get("/api/v1/hall/certificates", **bearer(resident)).json()
    assert {c["type"] for c in body} == {"id_card", "business_licence", "property_certificate"}
    card = next(c for c in body if c["type"] == "id_card")
    assert RESIDENT_ID not in json.dumps(body) and card["number"].endswith(RESIDENT_ID[-4:])


def test_the_list_pages_with_limit_and_offset_and_refuses_garbage(client, resident):
    numbers = [apply_hotel(client, resident).json()["number"] for _ in range(3)]
    page = client.get(f"{API}?limit=2&offset=1", **bearer(resident)).json()
    assert page["count"] == 3 and [a["number"] for a in page["items"]] == numbers[::-1][1:3]
    for query in ("limit=0", "limit=101", "offset=-1", "limit=x", "status=lost"):
        response = client.get(f"{API}?{query}", **bearer(resident))
        assert response.status_code == 400 and fields(response) == {query.split("=")[0]}


def test_each_step_needs_the_right_role_over_the_place(client, resident, bureau):
    from linli.hall.tests.conftest import make_staff
    from linli.people.models import Role

    grid = make_staff("grid", bureau, Role.GRID_WORKER)
    auxiliary = make_staff("aux", bureau, Role.AUXILIARY)
    number = apply_hotel(client, resident).json()["number"]
    assert post(client, f"{API}/{number}/accept", {}, grid).status_code == 403
    assert post(client, f"{API}/{number}/accept", {}, auxiliary).status_code == 200
    hand_in_missing(Application.objects.get(number=number), auxiliary)
    refused = post(client, f"{API}/{number}/approve", {}, auxiliary)
    assert refused.status_code == 403  # auxiliaries receive; police and district staff decide
    assert Application.objects.get(number=number).status == "accepted"
    seen = client.get(f"{API}/{number}", **bearer(auxiliary)).json()
    assert seen["next_actions"] == ["request_more"]  # approving and refusing are not theirs


def test_the_sweeps_tell_the_handling_unit_by_sms(client, resident, clerk):
    from django_tasks_db.models import DBTaskResult

    from linli.hall import notify
    from linli.people.models import SmsMessage

    number = apply_hotel(client, resident).json()["number"]
    application = Application.objects.select_related("matter").get(number=number)
    assert applications.warn_due(application.warn_at) == 1
    assert applications.mark_overdue(application.due_at) == 1
    queued = DBTaskResult.objects.filter(task_path="linli.hall.notify.tell_handlers")
    assert sorted(q.args_kwargs["args"][1] for q in queued) == ["overdue", "warned"]

    phones = {clerk.phone}  # the bureau's hall clerk; no one is on duty there
    assert notify.handlers_to_text(application) == [clerk.phone], application.area_code
    for task in queued.order_by("args_kwargs"):
        notify.tell_handlers.call(*task.args_kwargs["args"])  # what the worker runs
    sent = [m for m in SmsMessage.objects.all() if number in m.body]  # the body is encrypted
    assert sent and {m.phone for m in sent} == phones
    bodies = {m.body for m in sent}
    assert any("临近办理期限" in b for b in bodies) and any("已超过承诺时限" in b for b in bodies)

    applications.Application.objects.filter(pk=application.pk).update(status="approved")
    before = SmsMessage.objects.count()
    notify.tell_handlers.call(application.pk, "overdue")  # decided meanwhile: nobody is told
    assert SmsMessage.objects.count() == before
