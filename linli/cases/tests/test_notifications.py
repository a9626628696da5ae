"""Notices go out after commit through the real worker: in-app to units, by SMS to residents."""

from __future__ import annotations

import pytest

from linli.cases.models import Case, Notification
from linli.core import worker
from linli.people.models import SmsMessage
from linli.places.models import PoliceRoom


@pytest.mark.django_db(transaction=True)
def test_notifications_reach_the_unit_in_app_and_the_resident_by_sms(client, live_city):
    room = PoliceRoom.objects.select_related("named_officer").order_by("id").first()
    grid = room.micro_grids.order_by("code").first()
    data = {
        "kind": "report",
        "description": "车棚里的电瓶车这个月已经被偷了三辆，晚上经常有陌生人转悠",
        "area": grid.code,
        "lon": grid.centroid_lon,
        "lat": grid.centroid_lat,
        "contact_phone": "13800000009",
    }
    assert client.post(f"/cases/report/?area={grid.code}", data).status_code == 302
    case = Case.objects.get()
    officer = client.__class__()
    officer.force_login(room.named_officer)
    officer.post(f"/cases/c/{case.number}/act/", {"action": "accept"})
    assert not Notification.objects.exists()  # queued, not yet delivered

    worker.run(once=True)  # the real worker delivers the queued notices

    page = officer.get("/cases/notifications/").content.decode()
    assert case.number in page and 'class="unread' in page
    assert 'class="unread' not in officer.get("/cases/notifications/").content.decode()
    texts = [m.body for m in SmsMessage.objects.all()]
    assert any(case.number in t and "受理" in t for t in texts)  # "accepted", in Chinese
