"""Triage: free text in, a category, a confidence and an emergency decision out.

Scores come from the classifier, nudged by the configured keywords and overridden by the
emergency rules. The emergency decision never depends on the classifier alone being sure: any
emergency rule, or an emergency probability above a low bar, makes the case an emergency, and
an emergency always wins as the top-level category.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from linli.cases.triage import rules
from linli.cases.triage.catalogue import Catalogue, catalogue, top_of
from linli.cases.triage.classifier import TriageModel, get_model

EMERGENCY = "emergency"
# Below the human-queue threshold on purpose: a false alarm costs a look, a miss costs more.
EMERGENCY_PROBABILITY = 0.3
# Added to a label's probability per matching keyword (at most MAX_KEYWORDS count).
KEYWORD_WEIGHT = 0.2
MAX_KEYWORDS = 3
# Added to an emergency subcategory whose rule fires.
EMERGENCY_RULE_WEIGHT = 1.0
# Where meaningless text lands; it always goes to a human.
FALLBACK_CATEGORY = "help.other"
DEFAULT_EMERGENCY_NUMBERS = ("110",)


@dataclass(frozen=True)
class Alternative:
    code: str
    confidence: float


@dataclass(frozen=True)
class TriageResult:
    category: str  # a (sub)category code from the catalogue
    top: str  # its top-level code
    confidence: float  # probability of the top-level category, 0..1
    police_matter: bool
    emergency: bool
    emergency_numbers: tuple[str, ...]  # what to tell the resident to call, e.g. ("119",)
    alternatives: tuple[Alternative, ...]  # best category of the next top-levels
    needs_human: bool  # too unsure: goes to the human triage queue

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "top": self.top,
            "confidence": self.confidence,
            "police_matter": self.police_matter,
            "emergency": self.emergency,
            "emergency_numbers": list(self.emergency_numbers),
            "alternatives": [
                {"code": a.code, "confidence": a.confidence} for a in self.alternatives
            ],
            "needs_human": self.needs_human,
        }


def triage(text: str) -> TriageResult:
    """Classify a resident's free text. Never raises for any string, however odd."""
    return decide(
        text,
        model=get_model(),
        tree=catalogue(),
        min_confidence=settings.LINLI_TRIAGE_MIN_CONFIDENCE,
    )


def decide(
    text: str, *, model: TriageModel, tree: Catalogue, min_confidence: float
) -> TriageResult:
    normalised = rules.normalise(text)
    emergency_hits = rules.emergency_hits(normalised)
    if not emergency_hits and not rules.is_meaningful(normalised):
        return _fallback(tree)
    scores = _scores(normalised, model, tree, emergency_hits)
    mass = _top_mass(scores)
    is_emergency = bool(emergency_hits) or mass.get(EMERGENCY, 0.0) >= EMERGENCY_PROBABILITY
    top = EMERGENCY if is_emergency else max(mass, key=lambda code: mass[code])
    if emergency_hits:
        category = emergency_hits[0]
    else:
        category = max((c for c in scores if top_of(c) == top), key=lambda c: scores[c])
    confidence = round(mass[top], 3)
    return TriageResult(
        category=category,
        top=top,
        confidence=confidence,
        police_matter=tree[category].police_matter,
        emergency=is_emergency,
        emergency_numbers=_numbers(emergency_hits or [category], tree) if is_emergency else (),
        alternatives=_alternatives(scores, mass, top),
        needs_human=confidence < min_confidence,
    )


def _scores(
    normalised: str, model: TriageModel, tree: Catalogue, emergency_hits: list[str]
) -> dict[str, float]:
    scores = defaultdict(float, model.probabilities(normalised))
    for code, found in rules.keyword_hits(normalised, tree).items():
        scores[code] += KEYWORD_WEIGHT * min(found, MAX_KEYWORDS)
    for code in emergency_hits:
        scores[code] += EMERGENCY_RULE_WEIGHT
    total = sum(scores.values())
    return {code: score / total for code, score in scores.items() if code in tree}


def _top_mass(scores: dict[str, float]) -> dict[str, float]:
    mass: dict[str, float] = defaultdict(float)
    for code, score in scores.items():
        mass[top_of(code)] += score
    return dict(mass)


def _alternatives(
    scores: dict[str, float], mass: dict[str, float], chosen_top: str
) -> tuple[Alternative, ...]:
    others = sorted((t for t in mass if t != chosen_top), key=lambda t: -mass[t])[:3]
    return tuple(
        Alternative(
            code=max((c for c in scores if top_of(c) == top), key=lambda c: scores[c]),
            confidence=round(mass[top], 3),
        )
        for top in others
    )


def _numbers(codes: list[str], tree: Catalogue) -> tuple[str, ...]:
    numbers: list[str] = []
    for code in codes:
        for number in tree[code].emergency_numbers or DEFAULT_EMERGENCY_NUMBERS:
            if number not in numbers:
                numbers.append(number)
    return tuple(numbers) or DEFAULT_EMERGENCY_NUMBERS


def _fallback(tree: Catalogue) -> TriageResult:
    return TriageResult(
        category=FALLBACK_CATEGORY,
        top=top_of(FALLBACK_CATEGORY),
        confidence=0.0,
        police_matter=tree[FALLBACK_CATEGORY].police_matter,
        emergency=False,
        emergency_numbers=(),
        alternatives=(),
        needs_human=True,
    )
