"""Scores of the current classifier on the corpus's 51 hand-labelled files.

    python bench/classify_corpus.py [--corpus ../shared/corpus]

Extracts each labelled file with Filewarden's own extractors (OCR included), then
prints macro-F1 and accuracy for category and sensitivity, with and without the
personal-data override, and the files the model got wrong.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from classifier import (
    LabeledExample,
    evaluate_texts,
    load_classifier,
    read_corpus_labels,
)
from extractors import ExtractionFailed, ExtractionLimits, extract_file
from search_api.settings import Settings


def labelled_texts(corpus: Path) -> list[tuple[str, LabeledExample]]:
    examples = []
    for path, (category, sensitivity) in read_corpus_labels(
        corpus / "LABELS.tsv"
    ).items():
        try:
            extraction = extract_file(corpus / path, ExtractionLimits(ocr_dpi=200))
        except ExtractionFailed as failure:
            print(f"skipped {path}: {failure.reason}")
            continue
        example = LabeledExample(
            extraction.text, Path(path).stem, category, sensitivity
        )
        examples.append((path, example))
    return examples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Settings().corpus_dir)
    args = parser.parse_args()
    settings = Settings()

    started = time.monotonic()
    examples = labelled_texts(args.corpus)
    seconds = time.monotonic() - started
    print(f"extracted {len(examples)} labelled files in {seconds:.0f} s")

    classifier = load_classifier(
        settings.models_dir, override_kinds=frozenset(settings.pii_override_kinds)
    )
    scores = evaluate_texts(classifier, [example for _, example in examples])
    for label in ("category", "sensitivity"):
        result = scores[label]
        summary = {k: v for k, v in result.items() if k in ("macro_f1", "accuracy")}
        print(label, json.dumps(summary))
    for path, example in examples:
        prediction = classifier.predict(example.text, example.title)
        if prediction.category != example.category:
            print(f"  {path}: {example.category} -> {prediction.category}")


if __name__ == "__main__":
    main()
