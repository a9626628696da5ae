"""The fee through the real LocalPay process (paid once, refunded when the application is
refused), the pages of applying and handling with garbage, and the printable certificate."""

from __future__ import annotations

import io
import urllib.request
from datetime import timedelta

import pytest
from pypdf import PdfReader

from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.hall import applications
from linli.hall.models import Application
from linli.hall.tests.conftest import HOTEL_ANSWERS, RESIDENT_ID, hand_in_missing
from linli.payments import actions as payments
from linli.payments.models import PaymentOrder
from linli.payments.tests.conftest import submit

pytestmark = pytest.mark.django_db


def file_hotel(resident, **extra) -> Application:
    filing = applications.Filing(
        answers=HOTEL_ANSWERS,
        delivery=extra.pop("delivery", "post"),
        address=extra.pop("address", "南湖区邻里路8号"),
        consent=True,
    )
    return applications.submit(
        applications.Matter.objects.get(code="hotel_special_trade"),
        resident,
        filing,
        actor=resident,
    )


def pay_at_localpay(order: PaymentOrder) -> None:
    """The payer presses pay on the cashier page; Linli learns it by querying (the notice goes
    to the discard port in these tests)."""
    with urllib.request.urlopen(order.pay_url, timeout=10) as page:
        assert "¥12.00" in page.read().decode()
    status, _location = submit(order.pay_url, {"action": "pay"})
    assert status == 303
    payments.sync_order(order)


def test_the_fee_is_paid_once_through_localpay_and_reused_until_then(localpay, resident, clerk):
    application = file_hotel(resident)
    order = applications.pay(application, actor=resident)
    assert order.amount_fen == 1200 and order.purpose_reference == application.number
    assert applications.pay(application, actor=resident).pk == order.pk  # still open: the same
    assert not applications.fee_paid(application)
    pay_at_localpay(order)
    assert applications.fee_paid(application)
    with pytest.raises(applications.ApplicationError) as again:
        applications.pay(application, actor=resident)
    assert again.value.status == 409
    hand_in_missing(application, clerk)
    for step in ("accept", "approve", "issue"):
        applications.act(application, step, applications.Step(), actor=clerk)
    assert Application.objects.get(pk=application.pk).status == "issued"


def test_a_refused_application_gets_its_fee_back(localpay, resident, clerk):
    application = file_hotel(resident)
    order = applications.pay(application, actor=resident)
    pay_at_localpay(order)
    applications.act(application, "refuse", applications.Step("场所不符合要求"), actor=clerk)
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.REFUNDED and order.refunded_fen == 1200


# --- pages ------------------------------------------------------------------------------------


def form(**changes: str) -> dict[str, str]:
    data = {f"f_{name}": value for name, value in HOTEL_ANSWERS.items()}
    data |= {"delivery": "window", "consent": "on"}
    return {**data, **changes}


def test_the_apply_page_shows_what_the_library_holds(client, resident, hotel):
    client.force_login(resident)
    page = client.get("/hall/matters/hotel_special_trade/apply/").content.decode()
    assert page.count("library-found") == 3 and 'name="f_organisation_name"' in page
    assert "applicant_id_number" not in page  # residents do not file for others


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"f_rooms": "十二"}, "rooms"),
        ({"f_contact_phone": "123"}, "contact_phone"),
        ({"f_organisation_name": ""}, "organisation_name"),
        ({"f_premises_address": "x\x00y"}, "premises_address"),
        ({"delivery": "pigeon"}, "delivery"),
        ({"delivery": "post", "address": ""}, "address"),
    ],
)
def test_bad_answers_on_the_page_are_shown_by_their_field_and_nothing_is_stored(
    client, resident, hotel, changes, field
):
    client.force_login(resident)
    response = client.post("/hall/matters/hotel_special_trade/apply/", form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'class="field has-error" data-field="{field}"' in page or (
        field in ("delivery", "address") and "errorlist" in page
    )
    assert not Application.objects.exists()


def test_the_page_files_it_and_the_answers_come_back_masked(client, resident, hotel):
    client.force_login(resident)
    response = client.post("/hall/matters/hotel_special_trade/apply/", form())
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{application.number}/")
    page = client.get(response["Location"]).content.decode()
    assert "138****1234" in page and "13800001234" not in page
    assert page.count('data-source="library"') == 3


def test_a_clerk_reads_the_numbers_in_full_only_with_a_reason_and_it_is_audited(
    client, resident, clerk
):
    application = file_hotel(resident)
    client.force_login(clerk)
    url = f"/hall/applications/{application.number}/"
    no_reason = client.post(url, {"verb": "reveal", "reason": ""}, follow=True)
    assert "13800001234" not in no_reason.content.decode()
    shown = client.post(url, {"verb": "reveal", "reason": "核对联系电话"}).content.decode()
    assert "13800001234" in shown
    read = AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ, actor=clerk)
    assert read.count() == 1 and read.get().note == "核对联系电话"


def test_the_handling_steps_on_the_page(client, resident, clerk):
    application = file_hotel(resident, delivery="window")
    client.force_login(clerk)
    url = f"/hall/applications/{application.number}/"
    assert 'id="step-accept"' in client.get(url).content.decode()
    hand_in_missing(application, clerk)
    refused = client.post(url, {"verb": "request_more", "reason": ""}, follow=True)
    assert Application.objects.get(pk=application.pk).status == "submitted"
    assert "errorlist" in refused.content.decode() or "message-error" in refused.content.decode()
    for verb in ("accept", "approve", "issue", "deliver"):
        client.post(url, {"verb": verb})
    assert Application.objects.get(pk=application.pk).status == "collected"
    assert client.post(url, {"verb": "explode"}).status_code == 404


def test_pages_of_someone_elses_application_are_404(client, resident, stranger):
    application = file_hotel(resident)
    client.force_login(stranger)
    assert client.get(f"/hall/applications/{application.number}/").status_code == 404
    assert client.get("/hall/applications/A1%00/").status_code == 404


def test_the_certificate_pdf_names_the_permit_and_the_public_check_finds_it(
    client, resident, clerk
):
    application = file_hotel(resident, delivery="window")
    hand_in_missing(application, resident)
    for step in ("accept", "approve", "issue"):
        application = applications.act(application, step, applications.Step(), actor=clerk)
    client.force_login(resident)
    response = client.get(f"/hall/applications/{application.number}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert application.permit_number in text and len(reader.pages) == 1
    assert reader.metadata.title.endswith(application.permit_number)
    check = client.get(f"/hall/permits/{application.permit_number}/")
    assert check.status_code == 200 and "旅馆业特种行业许可证核发" in check.content.decode()
    assert RESIDENT_ID not in check.content.decode()
    assert client.get("/hall/permits/0000/").status_code == 404
    # staff printing it is a full read of the holder's data
    client.force_login(clerk)
    client.get(f"/hall/applications/{application.number}/certificate.pdf")
    assert AuditEvent.objects.filter(kind=AuditKind.PERSONAL_DATA_READ, actor=clerk).count() == 1


def test_no_certificate_before_it_is_issued(client, resident):
    application = file_hotel(resident)
    client.force_login(resident)
    assert client.get(f"/hall/applications/{application.number}/certificate.pdf").status_code == 404


def test_the_clerks_list_shows_what_is_left_nearest_deadline_first(client, resident, clerk):
    first, second, done = (file_hotel(resident, delivery="window") for _ in range(3))
    Application.objects.filter(pk=first.pk).update(due_at=second.due_at + timedelta(days=1))
    applications.act(done, "refuse", applications.Step("不符合条件"), actor=clerk)
    client.force_login(clerk)
    page = client.get("/hall/applications/?queue=1").content.decode()
    assert done.number not in page
    assert page.index(second.number) < page.index(first.number)
    refused = client.get("/hall/applications/?queue=1&status=refused").content.decode()
    assert done.number in refused and first.number not in refused
    client.force_login(resident)  # a resident's own list: everything, newest first
    mine = client.get("/hall/applications/?queue=1").content.decode()
    assert mine.index(done.number) < mine.index(first.number)


def test_an_unreachable_provider_is_503_and_the_closed_order_is_kept(settings, localpay, resident):
    settings.LINLI_LOCALPAY_URL = "http://127.0.0.1:9"  # the discard port: nobody answers
    application = file_hotel(resident)
    with pytest.raises(applications.ApplicationError) as failed:
        applications.pay(application, actor=resident)
    assert failed.value.status == 503
    kept = applications.fee_orders(application).get()  # a late notice for it is still known
    assert kept.status == PaymentOrder.Status.CLOSED
