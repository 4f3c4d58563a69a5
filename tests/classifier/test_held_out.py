"""The held-out split, calibration error, and the held-out figures in metadata."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from classifier import (
    LabeledExample,
    TrainingDataError,
    TrainingReport,
    expected_calibration_error,
    read_seed_examples,
    split_held_out,
)
from classifier.evaluation import calibration_bins
from classifier.held_out import HELD_OUT_FRACTION, example_key
from tests.classifier.conftest import SEED_DIR, TEST_RANDOM_SEED


@pytest.fixture(scope="module")
def seed_examples() -> list[LabeledExample]:
    if not list(SEED_DIR.glob("*.jsonl")):
        pytest.skip(f"no seed set in {SEED_DIR}")
    return read_seed_examples(SEED_DIR)


def _keys(examples: list[LabeledExample]) -> set[str]:
    return {example_key(example) for example in examples}


def test_split_held_out_same_data_and_seed_same_split(
    seed_examples: list[LabeledExample],
) -> None:
    first = split_held_out(seed_examples, HELD_OUT_FRACTION, random_seed=3)
    again = split_held_out(list(seed_examples), HELD_OUT_FRACTION, random_seed=3)
    other_seed = split_held_out(seed_examples, HELD_OUT_FRACTION, random_seed=4)

    assert [example_key(e) for e in again.held_out] == [
        example_key(e) for e in first.held_out
    ]
    assert _keys(other_seed.held_out) != _keys(first.held_out)


def test_split_held_out_seed_set_stratified_fifth_disjoint(
    seed_examples: list[LabeledExample],
) -> None:
    split = split_held_out(seed_examples, HELD_OUT_FRACTION, TEST_RANDOM_SEED)
    held_categories = Counter(e.category for e in split.held_out)
    all_categories = Counter(e.category for e in seed_examples)

    assert len(split.train) + len(split.held_out) == len(seed_examples)
    assert not _keys(split.train) & _keys(split.held_out)
    assert abs(len(split.held_out) - 0.2 * len(seed_examples)) <= 3
    for category, count in all_categories.items():
        assert abs(held_categories[category] - 0.2 * count) <= 2
    assert {e.sensitivity for e in split.held_out} == {
        e.sensitivity for e in seed_examples
    }


def test_split_held_out_added_correction_moves_few_examples(
    seed_examples: list[LabeledExample],
) -> None:
    correction = dataclasses.replace(seed_examples[0], id="correction-1")

    before = split_held_out(seed_examples, HELD_OUT_FRACTION, TEST_RANDOM_SEED)
    after = split_held_out(
        [*seed_examples, correction], HELD_OUT_FRACTION, TEST_RANDOM_SEED
    )

    assert len(_keys(before.held_out) - _keys(after.held_out)) <= 1


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2])
def test_split_held_out_fraction_outside_open_interval_refused(
    seed_examples: list[LabeledExample], fraction: float
) -> None:
    with pytest.raises(TrainingDataError, match="between 0 and 1"):
        split_held_out(seed_examples, fraction, TEST_RANDOM_SEED)


def test_example_key_no_id_content_hash() -> None:
    unnamed = LabeledExample("Quarterly figures.", "q3.xlsx", "financial", "internal")

    assert example_key(unnamed).startswith("sha256:")
    assert example_key(unnamed) == example_key(dataclasses.replace(unnamed))
    assert example_key(dataclasses.replace(unnamed, id="doc-9")) == "doc-9"


@pytest.mark.parametrize(
    ("confidences", "correct", "expected"),
    [
        ([1.0, 1.0, 1.0, 1.0], [True, True, True, True], 0.0),
        ([1.0, 1.0], [False, False], 1.0),
        ([0.75, 0.75, 0.75, 0.75], [True, True, True, False], 0.0),
        ([0.9, 0.9, 0.3, 0.3], [True, False, True, False], 0.3),
        ([], [], 0.0),
    ],
)
def test_expected_calibration_error_known_cases_exact(
    confidences: list[float], correct: list[bool], expected: float
) -> None:
    assert expected_calibration_error(confidences, correct) == pytest.approx(expected)


def test_calibration_bins_edges_ten_bins_closed_right() -> None:
    bins = calibration_bins([0.0, 0.1, 0.1001, 1.0], [True, True, False, True])

    assert len(bins) == 10
    assert [part.count for part in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bins[0].accuracy == 1.0
    assert bins[1].accuracy == 0.0


@pytest.mark.slow
def test_train_model_metadata_held_out_figures_and_split(
    trained: TrainingReport, seed_examples: list[LabeledExample]
) -> None:
    metadata = trained.metadata
    split = split_held_out(seed_examples, HELD_OUT_FRACTION, TEST_RANDOM_SEED)

    assert metadata["split"]["held_out_example_ids"] == [
        example_key(e) for e in split.held_out
    ]
    assert not set(metadata["split"]["train_example_ids"]) & set(
        metadata["split"]["held_out_example_ids"]
    )
    assert metadata["held_out"]["examples"] == len(split.held_out)
    assert "training part only" in metadata["final_fit"]
    assert len(metadata["training_data"]["sha256"]) == 64
    for label in ("category", "sensitivity"):
        held_out = metadata["held_out"][label]
        matrix = held_out["confusion_matrix"]["matrix"]
        assert 0.0 <= held_out["ece"] <= 1.0
        assert 0.0 < held_out["macro_f1"] <= 1.0
        assert sum(map(sum, matrix)) == len(split.held_out)
        assert set(held_out["per_class"]) == set(held_out["confusion_matrix"]["labels"])
        for scores in held_out["per_class"].values():
            assert {"precision", "recall", "f1", "support"} <= set(scores)
    assert trained.category_macro_f1 == metadata["held_out"]["category"]["macro_f1"]
    assert trained.promoted
    assert trained.previous_version is None
    assert trained.comparison["current_status"] == "none"
