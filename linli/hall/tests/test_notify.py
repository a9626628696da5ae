"""The applicant is texted, through the real worker, when more is needed and when it is done."""

from __future__ import annotations

import pytest

from linli.core import worker
from linli.hall import applications
from linli.hall.tests.conftest import hand_in_missing
from linli.hall.tests.test_fees_and_pages import file_hotel
from linli.people.models import SmsMessage


@pytest.mark.django_db(transaction=True)
def test_more_needed_refused_ready_and_posted_are_texted_in_chinese(resident, clerk, localpay_paid):
    asked = file_hotel(resident)
    applications.act(asked, "request_more", applications.Step("请补充平面图"), actor=clerk)
    refused = file_hotel(resident, delivery="window")
    applications.act(refused, "refuse", applications.Step("场所不符合消防要求"), actor=clerk)
    posted = file_hotel(resident)
    hand_in_missing(posted, clerk)
    localpay_paid(posted)
    for step in ("accept", "approve", "issue"):
        applications.act(posted, step, applications.Step(), actor=clerk)
    applications.act(
        posted,
        "deliver",
        applications.Step(carrier="EMS", tracking_number="EA1234567890"),
        actor=clerk,
    )
    assert not SmsMessage.objects.exists()  # queued with the steps, not yet sent

    worker.run(once=True)

    texts = {m.body for m in SmsMessage.objects.all()}
    assert {m.phone for m in SmsMessage.objects.all()} == {resident.phone}
    assert any(asked.number in t and "补正材料：请补充平面图" in t for t in texts)
    assert any(refused.number in t and "场所不符合消防要求" in t for t in texts)
    assert any(posted.number in t and "已寄出：EMS EA1234567890" in t for t in texts)
    assert len(texts) == 4  # accepted and approved are not texted; issued and posted are
