"""The demo's cases: reported through the real intake over two weeks, older ones handled by their
units, some left past their deadline, a third in the first demo officer's room."""

from __future__ import annotations

import pytest
from django.utils import timezone

from linli.cases.demo import load_demo_cases
from linli.cases.models import Case, CaseEvent, Feedback
from linli.cases.permissions import may_handle
from linli.core.audit import AuditKind
from linli.core.models import AuditEvent
from linli.people.models import Membership, User

pytestmark = pytest.mark.django_db


def test_the_demo_reports_and_handles_cases_once(demo_city):
    made = load_demo_cases()
    assert made >= 70 and Case.objects.count() == made
    assert AuditEvent.objects.filter(kind=AuditKind.CASE_SUBMITTED).count() == made
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"new", "resolved", "closed"} <= statuses
    now = timezone.now()
    assert not CaseEvent.objects.filter(at__gt=now).exists()  # all of it in the past
    for case in Case.objects.filter(status="closed"):
        assert case.created_at < case.resolved_at < case.closed_at < now
    handled = CaseEvent.objects.filter(to_status="resolved").select_related("case", "actor")
    assert handled.exists()
    assert all(may_handle(event.actor, event.case) for event in handled)  # staff of its unit
    rated = Feedback.objects.select_related("case")
    assert rated.exists() and all(f.case.status == "closed" and 3 <= f.rating <= 5 for f in rated)
    late = Case.objects.open().filter(due_at__lt=now)
    assert late.exists()  # for the worker to escalate when the demo starts
    room = Membership.objects.get(user=User.objects.get(username="officer1")).unit
    assert Case.objects.filter(unit=room).open().exists()  # officer1's inbox is not empty
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers) and not any(n.startswith("~") for n in numbers)
    assert load_demo_cases() == 0
