"""What the classifier returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    label: str
    probability: float


@dataclass
class Prediction:
    """Labels for one document, each with a probability in [0, 1].

    ``pii_kinds`` maps a kind of personal data (``prc_id``, ``mobile``,
    ``bank_card``, ``email``) to how often it was found; never the values.
    ``sensitivity_source`` is ``detector`` when PII forced ``personal``.
    """

    category: str
    category_confidence: float
    sensitivity: str
    sensitivity_confidence: float
    model_version: str
    pii_kinds: dict[str, int] = field(default_factory=dict)
    category_source: str = "model"
    sensitivity_source: str = "model"
    category_suggestions: list[Suggestion] = field(default_factory=list)
    sensitivity_suggestions: list[Suggestion] = field(default_factory=list)
