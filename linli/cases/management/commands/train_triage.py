"""`linli manage train_triage [--cv 5]`: retrain the triage model and report its accuracy."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from linli.cases.triage import classifier
from linli.cases.triage.catalogue import catalogue
from linli.cases.triage.evaluation import cross_validate


class Command(BaseCommand):
    help = "Train the triage classifier on the shipped corpus, save it, report cross-validation."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--cv", type=int, default=5, help="folds for cross-validation (0 to skip)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folds: int = options["cv"]
        if folds == 1 or folds < 0:
            raise CommandError("--cv must be 0 (skip) or at least 2")
        examples = classifier.read_corpus()
        tree = catalogue()
        unknown = sorted({e.label for e in examples if e.label not in tree})
        if unknown:
            raise CommandError(f"corpus labels missing from categories.json: {unknown}")
        path = classifier.model_path()
        classifier.train_and_save(path)
        classifier.forget_model()
        self.stdout.write(f"trained on {len(examples)} examples; model saved to {path}")
        if folds:
            self._report(examples, tree, folds)

    def _report(self, examples: list[classifier.Example], tree: Any, folds: int) -> None:
        result = cross_validate(
            examples, tree, folds=folds, min_confidence=settings.LINLI_TRIAGE_MIN_CONFIDENCE
        )
        lines = [
            f"{folds}-fold stratified cross-validation, {result.examples} examples:",
            f"  top-level accuracy        {result.top_accuracy:.1%}",
            f"  subcategory accuracy      {result.label_accuracy:.1%}",
            f"  emergency recall          {result.emergency_recall:.1%}"
            f" ({result.emergency_examples} emergency examples)",
            f"  false emergency alarms    {result.false_alarm_rate:.1%} of non-emergencies",
            f"  decided without a human   {result.automatic_share:.1%}"
            f" (top-level accuracy {result.automatic_top_accuracy:.1%};"
            f" threshold {settings.LINLI_TRIAGE_MIN_CONFIDENCE})",
        ]
        self.stdout.write("\n".join(lines))
        for text in result.missed_emergencies:
            self.stderr.write(f"  missed emergency: {text}")
