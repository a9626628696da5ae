"""Demo cases: two weeks of residents' reports in the demo city, so the inbox, the case pages and
the command board have something to show on the first start.

Every case goes through the real intake (triage, routing, numbering, deadlines, audit) at a
moment in the past, and older ones through the real handling steps by a member of the unit that
received them: most are closed within a day or two, some wait for the resident's rating, and a few
were left lying, past their deadline, for the worker to escalate when the demo starts; most
residents rate the handling of theirs, which closes it. The texts
are the Chinese examples of the triage corpus (emergencies left out: they would page the duty
officers of the demo). Same seed, same cases.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from linli.cases import actions
from linli.cases.models import Case
from linli.people.models import STAFF_ROLES, Membership, User
from linli.places.models import Area, Level, PoliceRoom

CASES = 80
DAYS = 15
CORPUS = Path(__file__).parent / "data" / "triage_corpus.tsv"
RESULTS = (
    "已到现场处理，情况已解决。",
    "已联系相关单位处理完毕，并回访居民。",
    "已当面调解，双方达成一致。",
    "已督促整改到位，将持续关注。",
)


def _texts() -> list[str]:
    texts = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        label, _tab, text = line.partition("\t")
        if label.startswith("#") or label.startswith("emergency"):
            continue
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            texts.append(text)
    return texts


def _places(rng: random.Random, officer_room: PoliceRoom | None) -> list[tuple[float, float]]:
    """Micro-grid centroids: a third in the first demo officer's room, the rest anywhere."""
    grids = Area.objects.filter(level=Level.MICRO_GRID, centroid_lon__isnull=False)
    everywhere = [(a.centroid_lon or 0.0, a.centroid_lat or 0.0) for a in grids]
    own = [
        (a.centroid_lon or 0.0, a.centroid_lat or 0.0)
        for a in (officer_room.micro_grids.all() if officer_room else [])
        if a.centroid_lon is not None
    ]
    return [rng.choice(own) if own and n % 3 == 0 else rng.choice(everywhere) for n in range(CASES)]


def _handler(case: Case) -> User | None:
    membership = (
        Membership.objects.filter(
            unit_id=case.unit_id, role__in=STAFF_ROLES, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def _handle(case: Case, received: datetime, rng: random.Random) -> None:
    """Take an older case as far as its unit would have by now."""
    handler = _handler(case)
    if handler is None:
        return
    fate = rng.random()
    if fate < 0.15:
        return  # left lying: past its deadline, for the worker's escalation sweep
    actions.accept_case(case, actor=handler, now=received + timedelta(minutes=rng.randint(5, 50)))
    actions.start_case(case, actor=handler, now=received + timedelta(hours=1))
    resolved = received + timedelta(hours=rng.randint(3, 40))
    actions.resolve_case(case, actor=handler, result=rng.choice(RESULTS), now=resolved)
    if fate < 0.3:
        return  # waiting for the resident's rating
    if case.reporter is not None and fate < 0.8:
        rating = rng.choice([5, 5, 5, 4, 4, 3])
        rated = resolved + timedelta(hours=rng.randint(1, 20))
        actions.give_feedback(case, actor=case.reporter, rating=rating, now=rated)
        return
    actions.close_case(case, actor=handler, now=resolved + timedelta(days=1))


@transaction.atomic
def load_demo_cases(seed: int = 2026) -> int:
    """Report and handle the demo's cases unless the demo has cases already; returns how many."""
    if Case.objects.exists():
        return 0
    rng = random.Random(seed)
    residents = list(User.objects.filter(is_demo=True, username__startswith="resident"))
    officer = User.objects.filter(username="officer1").first()
    membership = Membership.objects.filter(user=officer).select_related("unit").first()
    room = PoliceRoom.objects.filter(unit=membership.unit).first() if membership else None
    texts, places = _texts(), _places(rng, room)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    made = 0
    for n, (lon, lat) in enumerate(places):
        day = today - timedelta(days=DAYS * n // CASES + 1)
        received = datetime.combine(day, time(8 + rng.randint(0, 11), rng.randint(0, 59)), zone)
        channel = rng.choice(["qr", "web", "wechat"])
        intake = actions.Intake(
            kind="report", channel=channel, description=rng.choice(texts), lon=lon, lat=lat
        )
        try:
            case = actions.submit_case(intake, actor=rng.choice(residents), now=received).case
        except actions.CaseError:
            continue  # a place or category the demo routes nowhere: not worth a demo case
        made += 1
        if (today - day).days > 2:
            _handle(case, received, rng)
    return made
