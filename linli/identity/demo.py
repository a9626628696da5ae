"""Demo consultations: resident1 has asked the police room of officer1 twice, and one question
is answered, so the consultation pages are not empty. Written directly, like the other demo data:
nobody did anything, so there is nothing to audit. (The demo residents already have names and ID
numbers on record, which is all the e-ID needs.)"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from linli.identity.models import Consultation, ConsultationMessage
from linli.people.models import Membership, Role, User


@transaction.atomic
def load_demo_consultations() -> int:
    """Create the demo consultations unless there are some; return how many were created."""
    if Consultation.objects.exists():
        return 0
    resident = User.objects.filter(username="resident1").first()
    membership = (
        Membership.objects.filter(user__username="officer1", role=Role.OFFICER)
        .select_related("user", "unit")
        .first()
    )
    if resident is None or membership is None:
        return 0
    officer, room = membership.user, membership.unit
    answered = Consultation.objects.create(
        resident=resident,
        unit=room,
        officer=officer,
        subject="居住证办理需要哪些材料？",
        status=Consultation.Status.ANSWERED,
    )
    waiting = Consultation.objects.create(
        resident=resident, unit=room, subject="小区门口晚上路灯不亮"
    )
    ConsultationMessage.objects.bulk_create(
        [
            ConsultationMessage(
                consultation=answered,
                author=resident,
                body="我在本社区租房半年了，想办浙江省居住证，需要带什么材料？",
            ),
            ConsultationMessage(
                consultation=answered,
                author=officer,
                from_staff=True,
                body="带身份证和租房合同，到警务室或网上办理均可，一般 7 个工作日内办好。",
            ),
            ConsultationMessage(
                consultation=waiting,
                author=resident,
                body="晚上回家路上很黑，能否联系物业或相关部门修一下？",
            ),
        ]
    )
    answered.first_reply_at = answered.created_at + timedelta(minutes=38)
    answered.save(update_fields=["first_reply_at"])
    return 2
