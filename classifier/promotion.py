"""Whether a newly trained model may replace the current one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from classifier.dataset import LabeledExample
from classifier.errors import ModelIncompatible, ModelIntegrityError, ModelNotFound
from classifier.held_out import LABELS, example_key, score_held_out
from classifier.model import TrainedModel, load_trained_model, read_metadata
from classifier.registry import current_or_none

logger = logging.getLogger(__name__)

# Each label on its own, not their mean: a mean would let a better category
# model hide a worse sensitivity model, and sensitivity decides who may see a file.
PROMOTION_RULE: Final = (
    "promote when neither the category nor the sensitivity held-out macro-F1 "
    "is lower than the current model's on the same held-out examples"
)


def compare_with_current(
    models_dir: Path, held_out: Sequence[LabeledExample], new_model: TrainedModel
) -> dict[str, Any]:
    """New and current held-out figures on the examples neither was trained on.

    Held-out examples the current model was fitted on are left out, as they would
    flatter it. A current model that cannot be loaded, or whose metadata does not
    say what it was fitted on, counts as no current model (with a warning).
    ``current_status`` says which: none, unloadable, training_set_unknown,
    fitted_on_held_out or compared.
    """
    current_version = current_or_none(models_dir)
    current_model, seen, status = _load_current(models_dir, current_version)
    unseen = [e for e in held_out if example_key(e) not in seen]
    if current_model is not None and not unseen:
        logger.warning(
            "current model %s was fitted on all %d held-out examples; "
            "treating it as no current model",
            current_version,
            len(held_out),
        )
        current_model, status = None, "fitted_on_held_out"
    if current_model is None:
        return _no_comparison(current_version, status, held_out, new_model)

    new = _figures(score_held_out(new_model, unseen))
    current = _figures(score_held_out(current_model, unseen))
    return {
        "current_version": current_version,
        "current_status": status,
        "rule": PROMOTION_RULE,
        "examples": len(unseen),
        "excluded_seen_by_current": len(held_out) - len(unseen),
        "new": new,
        "current": current,
        "not_worse": is_not_worse(new, current),
    }


def is_not_worse(new: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether every label's macro-F1 of ``new`` is at least that of ``current``."""
    return all(new[label]["macro_f1"] >= current[label]["macro_f1"] for label in LABELS)


def _load_current(
    models_dir: Path, version: str | None
) -> tuple[TrainedModel | None, set[str], str]:
    if version is None:
        return None, set(), "none"
    try:
        model = load_trained_model(models_dir, version)
    except (ModelIncompatible, ModelIntegrityError, ModelNotFound) as err:
        logger.warning(
            "current model %s cannot be loaded (%s); treating it as no current "
            "model, so the new one will be promoted",
            version,
            err.message,
        )
        return None, set(), "unloadable"

    fitted_on = (
        read_metadata(models_dir / version).get("split", {}).get("train_example_ids")
    )
    if fitted_on is None:
        logger.warning(
            "current model %s does not record which examples it was fitted on, "
            "so it cannot be scored fairly on held-out data; treating it as no "
            "current model",
            version,
        )
        return None, set(), "training_set_unknown"
    return model, set(fitted_on), "compared"


def _no_comparison(
    current_version: str | None,
    status: str,
    held_out: Sequence[LabeledExample],
    new_model: TrainedModel,
) -> dict[str, Any]:
    return {
        "current_version": current_version,
        "current_status": status,
        "rule": PROMOTION_RULE,
        "examples": len(held_out),
        "excluded_seen_by_current": 0,
        "new": _figures(score_held_out(new_model, held_out)),
        "current": None,
        "not_worse": True,
    }


def _figures(scores: dict[str, Any]) -> dict[str, Any]:
    return {
        label: {"macro_f1": scores[label]["macro_f1"], "ece": scores[label]["ece"]}
        for label in LABELS
    }
