"""Out-of-fold evaluation of triage (rules + classifier) on the shipped corpus."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.model_selection import StratifiedKFold

from linli.cases.triage import service
from linli.cases.triage.catalogue import Catalogue
from linli.cases.triage.classifier import Example, train


@dataclass(frozen=True)
class Evaluation:
    folds: int
    examples: int
    top_accuracy: float  # top-level category right
    label_accuracy: float  # exact corpus label right (subcategory where the corpus has one)
    emergency_examples: int
    emergency_recall: float  # emergency examples flagged as emergency
    false_alarm_rate: float  # non-emergency examples flagged as emergency
    automatic_share: float  # results confident enough to skip the human queue
    automatic_top_accuracy: float  # top-level accuracy among those
    missed_emergencies: tuple[str, ...]


def cross_validate(
    examples: Sequence[Example], tree: Catalogue, *, folds: int, min_confidence: float
) -> Evaluation:
    """Stratified by top-level category; each example is triaged by a model that never saw it."""
    tops = [e.top for e in examples]
    results: list[tuple[Example, service.TriageResult]] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(examples, tops):
        model = train([examples[i] for i in train_index])
        for i in test_index:
            result = service.decide(
                examples[i].text, model=model, tree=tree, min_confidence=min_confidence
            )
            results.append((examples[i], result))
    return _summarise(results, folds)


def _summarise(results: list[tuple[Example, service.TriageResult]], folds: int) -> Evaluation:
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    emergencies = [(e, r) for e, r in results if e.top == service.EMERGENCY]
    others = [(e, r) for e, r in results if e.top != service.EMERGENCY]
    automatic = [(e, r) for e, r in results if not r.needs_human]
    return Evaluation(
        folds=folds,
        examples=len(results),
        top_accuracy=share(sum(r.top == e.top for e, r in results), len(results)),
        label_accuracy=share(sum(r.category == e.label for e, r in results), len(results)),
        emergency_examples=len(emergencies),
        emergency_recall=share(sum(r.emergency for _, r in emergencies), len(emergencies)),
        false_alarm_rate=share(sum(r.emergency for _, r in others), len(others)),
        automatic_share=share(len(automatic), len(results)),
        automatic_top_accuracy=share(sum(r.top == e.top for e, r in automatic), len(automatic)),
        missed_emergencies=tuple(e.text for e, r in emergencies if not r.emergency),
    )
