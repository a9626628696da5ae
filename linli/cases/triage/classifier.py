"""The text classifier: character n-grams and logistic regression over the shipped corpus.

Character n-grams need no Chinese word segmenter and cope with typos and mixed languages.
The model is small: it trains in well under a second, so a missing or stale model file is
simply retrained in-process; `linli manage train_triage` writes it ahead of time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from django.conf import settings
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline

from linli.cases.triage.catalogue import DATA_DIR, top_of
from linli.cases.triage.rules import normalise

logger = logging.getLogger(__name__)

CORPUS_FILE = DATA_DIR / "triage_corpus.tsv"
MODEL_FILE_NAME = "triage-model.pkl"
# Bump when the pipeline below changes, so that saved models are retrained.
MODEL_VERSION = 4


class CorpusError(ValueError):
    """A corpus line is malformed; the message names the line."""


@dataclass(frozen=True)
class Example:
    label: str
    text: str

    @property
    def top(self) -> str:
        return top_of(self.label)


def read_corpus(path: Path = CORPUS_FILE) -> list[Example]:
    """`label<TAB>text` lines; blank lines and lines starting with # are skipped."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            label, tab, text = line.partition("\t")
            if not tab or not label.strip() or not text.strip():
                raise CorpusError(f"{path.name} line {number}: expected label<TAB>text")
            examples.append(Example(label=label.strip(), text=text.strip()))
    return examples


def corpus_hash(path: Path = CORPUS_FILE) -> str:
    digest = hashlib.sha256(f"v{MODEL_VERSION} sklearn {sklearn.__version__}\n".encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()


def build_pipeline() -> Pipeline:
    """Logistic regression (fitted by SGD: a fraction of a second) over character 1-2-grams."""
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True)),
            (
                "model",
                SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=50, tol=None, random_state=0),
            ),
        ]
    )


@dataclass(frozen=True)
class TriageModel:
    """Two classifiers: one for the top-level category, trained on every example, and one
    for the exact label. A label's probability is P(top) x P(label | top), so that the
    top-level confidence comes from the model with ~4x more examples per class."""

    top_pipeline: Pipeline
    label_pipeline: Pipeline
    corpus_hash: str
    _scorers: dict[str, LinearScorer] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def scorer(self, which: str) -> LinearScorer:
        if which not in self._scorers:
            self._scorers[which] = LinearScorer(getattr(self, f"{which}_pipeline"))
        return self._scorers[which]

    def probabilities(self, normalised: str) -> dict[str, float]:
        """Label -> probability for one already-normalised text; the values sum to 1."""
        top_p = self.scorer("top")(normalised)
        label_p = self.scorer("label")(normalised)
        within: dict[str, float] = {}
        for label, p in label_p.items():
            within[top_of(label)] = within.get(top_of(label), 0.0) + p
        result = {}
        for label, p in label_p.items():
            top = top_of(label)
            share = p / within[top] if within[top] > 0 else 0.0
            result[label] = top_p.get(top, 0.0) * share
        return result


class LinearScorer:
    """A fitted TF-IDF + one-vs-rest logistic pipeline, evaluated directly for one text.

    scikit-learn's predict_proba spends about 3 ms per call on input checks and sparse-matrix
    set-up; intake classifies every report, so this computes the same numbers (the tests
    compare them) from the fitted vocabulary, idf weights and coefficients in a few dozen
    microseconds."""

    def __init__(self, pipeline: Pipeline) -> None:
        tfidf: Any = pipeline.named_steps["tfidf"]
        model: Any = pipeline.named_steps["model"]
        if tfidf.norm != "l2" or not tfidf.use_idf or len(model.classes_) < 3:
            raise ValueError("LinearScorer expects l2-normalised tf-idf and 3+ classes")
        self.analyse = tfidf.build_analyzer()
        self.vocabulary: dict[str, int] = tfidf.vocabulary_
        self.idf = np.asarray(tfidf.idf_)
        self.sublinear = bool(tfidf.sublinear_tf)
        self.coef = np.asarray(model.coef_)
        self.intercept = np.asarray(model.intercept_)
        self.classes = [str(label) for label in model.classes_]

    def __call__(self, text: str) -> dict[str, float]:
        counts = Counter(t for t in self.analyse(text) if t in self.vocabulary)
        decision = self.intercept.copy()
        if counts:
            index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.intp)
            tf = np.fromiter(counts.values(), dtype=np.float64)
            weights = (1.0 + np.log(tf) if self.sublinear else tf) * self.idf[index]
            weights /= np.sqrt(weights @ weights)
            decision += self.coef[:, index] @ weights
        probability = expit(decision)
        probability /= probability.sum()
        return dict(zip(self.classes, probability.tolist(), strict=True))


def train(examples: Sequence[Example], digest: str = "") -> TriageModel:
    texts = [normalise(e.text) for e in examples]
    top_pipeline = build_pipeline().fit(texts, [e.top for e in examples])
    label_pipeline = build_pipeline().fit(texts, [e.label for e in examples])
    return TriageModel(top_pipeline, label_pipeline, corpus_hash=digest)


def model_path() -> Path:
    return Path(settings.VAR_DIR) / MODEL_FILE_NAME


def save(model: TriageModel, path: Path) -> None:
    """Write atomically, so that a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # A fresh instance: the per-process scorers are rebuilt after loading, never stored.
    joblib.dump(TriageModel(model.top_pipeline, model.label_pipeline, model.corpus_hash), partial)
    os.replace(partial, path)


def load_saved(path: Path, expected_hash: str) -> TriageModel | None:
    """The saved model if it was trained on this very corpus, else None."""
    if not path.exists():
        return None
    try:
        # The file is one we wrote ourselves into the private var directory.
        saved = joblib.load(path)
    except Exception:  # a truncated or foreign file is simply retrained
        logger.warning("triage model %s is unreadable; retraining", path, exc_info=True)
        return None
    if not isinstance(saved, TriageModel) or saved.corpus_hash != expected_hash:
        return None
    return saved


def train_and_save(path: Path | None = None) -> TriageModel:
    digest = corpus_hash()
    model = train(read_corpus(), digest)
    save(model, path or model_path())
    return model


_lock = threading.Lock()
_cached: TriageModel | None = None


def get_model() -> TriageModel:
    """The model for this process: loaded from var/, else trained here and saved if possible."""
    global _cached
    with _lock:
        if _cached is None:
            digest = corpus_hash()
            _cached = load_saved(model_path(), digest)
            if _cached is None:
                _cached = train(read_corpus(), digest)
                try:
                    save(_cached, model_path())
                except OSError:
                    logger.warning("could not save the triage model", exc_info=True)
        return _cached


def forget_model() -> None:
    """Drop the per-process model so that the next triage reloads it (after retraining)."""
    global _cached
    with _lock:
        _cached = None
