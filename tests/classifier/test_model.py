"""Training on the seed set, loading with checks, and predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import (
    Classifier,
    LabeledExample,
    ModelIncompatible,
    ModelIntegrityError,
    ModelNotFound,
    TrainingDataError,
    TrainingReport,
    evaluate_texts,
    load_classifier,
    train_model,
)
from search_api.settings import DEFAULT_CATEGORIES, DEFAULT_SENSITIVITIES, PROJECT_ROOT
from tests.classifier.conftest import SEED_DIR, train_on_seed

SHIPPED_MODELS_DIR = PROJECT_ROOT / "models"

CHINESE_CONTRACT = (
    "设备采购合同\n甲方（买方）：某某科技有限公司\n乙方（卖方）：某某机械有限公司\n"
    "根据《中华人民共和国民法典》及相关法律法规，甲乙双方经友好协商，就甲方向乙方采购"
    "设备事宜达成如下条款：一、合同标的及价款；二、交货时间与地点；三、付款方式："
    "甲方于验收合格后三十日内支付合同总价款；四、违约责任：任何一方违反本合同约定，"
    "应向守约方支付违约金；五、争议解决：协商不成的，提交甲方所在地人民法院诉讼解决。"
    "本合同一式两份，双方签字盖章后生效。"
)
ENGLISH_INVOICE = (
    "INVOICE\nInvoice number: INV-2025-0412\nInvoice date: 12 March 2025\n"
    "Bill to: Northwind Trading Ltd, accounts payable department\n"
    "Description  Qty  Unit price  Amount\nConsulting services, February  10  "
    "120.00  1,200.00\nSubtotal 1,200.00\nVAT 20% 240.00\nTotal due 1,440.00 GBP\n"
    "Payment terms: 30 days. Please pay by bank transfer quoting the invoice number."
)


@pytest.fixture(scope="module")
def classifier(trained: TrainingReport) -> Classifier:
    return load_classifier(trained.model_dir.parent)


@pytest.fixture
def model_copy(models_copy: Path) -> Path:
    """A models folder holding a copy of the trained version, free to damage."""
    return models_copy


@pytest.mark.slow
def test_train_model_seed_set_writes_metadata_and_current(
    trained: TrainingReport,
) -> None:
    metadata = json.loads((trained.model_dir / "metadata.json").read_text("utf-8"))
    current = (trained.model_dir.parent / "CURRENT").read_text("utf-8").strip()

    assert current == trained.version == metadata["version"]
    assert trained.version.endswith(metadata["training_data"]["sha256"][:8])
    assert set(metadata["classes"]["category"]) <= set(DEFAULT_CATEGORIES)
    assert metadata["classes"]["sensitivity"]
    assert metadata["training_data"]["examples"] == trained.examples
    assert {"zh", "en"} <= set(metadata["training_data"]["language_counts"])
    assert set(metadata["libraries"]) == {"sklearn", "numpy", "joblib", "python"}
    assert len(metadata["model_sha256"]) == 64
    for label in ("category", "sensitivity"):
        evaluation = metadata["evaluation"][label]
        assert evaluation["folds"] == 5
        assert 0.0 < evaluation["macro_f1"] <= 1.0
        assert len(evaluation["fold_macro_f1"]) == 5
        assert set(evaluation["by_language"]) == {"en", "zh"}
        assert set(evaluation["per_class"]) == set(metadata["classes"][label])
        assert len(evaluation["confusion_matrix"]["matrix"]) == len(
            metadata["classes"][label]
        )


@pytest.mark.slow
def test_train_model_same_data_and_seed_same_metrics(
    trained: TrainingReport, tmp_path: Path
) -> None:
    again = train_on_seed(tmp_path)

    assert again.metadata["evaluation"] == trained.metadata["evaluation"]
    assert again.metadata["held_out"] == trained.metadata["held_out"]
    assert again.metadata["split"] == trained.metadata["split"]
    assert again.metadata["training_data"] == trained.metadata["training_data"]


@pytest.mark.slow
def test_train_model_extra_example_changes_data_hash(
    trained: TrainingReport, tmp_path: Path
) -> None:
    correction = LabeledExample(
        text="补充协议：双方同意延长合同期限一年。",
        title="",
        category="contract",
        sensitivity="confidential",
        language="zh",
        id="correction-1",
    )

    report = train_model(
        SEED_DIR,
        tmp_path,
        list(DEFAULT_CATEGORIES),
        list(DEFAULT_SENSITIVITIES),
        extra_examples=[correction],
        random_seed=7,
    )

    assert report.examples == trained.examples + 1
    assert report.metadata["training_data"]["extra_examples"] == 1
    assert report.version[-8:] != trained.version[-8:]


def test_classifier_chinese_contract_predicted_contract(classifier: Classifier) -> None:
    prediction = classifier.predict(CHINESE_CONTRACT, title="设备采购合同.docx")

    assert prediction.category == "contract"
    assert prediction.category_source == "model"
    assert prediction.model_version == classifier.version


def test_classifier_english_invoice_predicted_financial(classifier: Classifier) -> None:
    prediction = classifier.predict(ENGLISH_INVOICE, title="INV-2025-0412.pdf")

    assert prediction.category == "financial"
    assert prediction.pii_kinds == {}


def test_classifier_prediction_probabilities_calibrated_and_ranked(
    classifier: Classifier,
) -> None:
    prediction = classifier.predict(ENGLISH_INVOICE)

    for suggestions in (
        prediction.category_suggestions,
        prediction.sensitivity_suggestions,
    ):
        probabilities = [s.probability for s in suggestions]
        assert len(suggestions) == 3
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert (
        prediction.category_confidence == prediction.category_suggestions[0].probability
    )


def test_classifier_pii_text_personal_from_detector(classifier: Classifier) -> None:
    text = "请联系李四，手机13812345678，身份证号440301198510123416，核对报销信息。"

    prediction = classifier.predict(text)

    assert prediction.sensitivity == "personal"
    assert prediction.sensitivity_source == "detector"
    assert prediction.sensitivity_confidence == 1.0
    assert prediction.pii_kinds == {"mobile": 1, "prc_id": 1}


def test_classifier_email_alone_reported_without_override(
    classifier: Classifier,
) -> None:
    prediction = classifier.predict(ENGLISH_INVOICE + "\nQuestions: j.doe@example.com")

    assert prediction.pii_kinds == {"email": 1}
    assert prediction.sensitivity_source == "model"


def test_load_classifier_email_in_override_kinds_overrides(
    trained: TrainingReport,
) -> None:
    strict = load_classifier(
        trained.model_dir.parent,
        override_kinds=frozenset({"email", "prc_id", "mobile"}),
    )

    prediction = strict.predict("Questions: j.doe@example.com")

    assert prediction.sensitivity == "personal"
    assert prediction.sensitivity_source == "detector"


def test_classifier_empty_text_other_with_low_confidence(
    classifier: Classifier,
) -> None:
    prediction = classifier.predict("   \n", title="scan.png")

    assert prediction.category == "other"
    assert prediction.category_confidence < 0.2
    assert prediction.sensitivity in classifier.sensitivities
    assert 0.0 <= prediction.sensitivity_confidence <= 1.0


def test_load_classifier_tampered_model_refused(model_copy: Path) -> None:
    version = (model_copy / "CURRENT").read_text("utf-8").strip()
    with (model_copy / version / "model.joblib").open("ab") as model_file:
        model_file.write(b"\x00")

    with pytest.raises(ModelIntegrityError, match="SHA-256") as caught:
        load_classifier(model_copy)

    assert "filewarden train" in caught.value.message


def test_load_classifier_other_sklearn_version_explained(model_copy: Path) -> None:
    version = (model_copy / "CURRENT").read_text("utf-8").strip()
    metadata_path = model_copy / version / "metadata.json"
    metadata = json.loads(metadata_path.read_text("utf-8"))
    metadata["libraries"]["sklearn"] = "0.24.2"
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")

    with pytest.raises(ModelIncompatible, match=r"scikit-learn 0\.24\.2") as caught:
        load_classifier(model_copy)

    assert "filewarden train" in caught.value.message


def test_train_model_unknown_label_refused_before_training(tmp_path: Path) -> None:
    stray = LabeledExample("Memo about parking spaces.", "", "memo", "internal")

    with pytest.raises(TrainingDataError, match="'memo'"):
        train_model(
            SEED_DIR,
            tmp_path,
            list(DEFAULT_CATEGORIES),
            list(DEFAULT_SENSITIVITIES),
            extra_examples=[stray],
        )

    assert not (tmp_path / "CURRENT").exists()


def test_load_classifier_missing_metadata_refused(model_copy: Path) -> None:
    version = (model_copy / "CURRENT").read_text("utf-8").strip()
    (model_copy / version / "metadata.json").unlink()

    with pytest.raises(ModelIntegrityError, match=r"metadata\.json is missing"):
        load_classifier(model_copy)


def test_load_classifier_missing_model_names_path_and_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound) as caught:
        load_classifier(tmp_path / "empty")

    assert str(tmp_path / "empty" / "CURRENT") in caught.value.message
    assert "filewarden train" in caught.value.message


@pytest.mark.parametrize("version", ["../../etc", "20261204-153000-1a2b3c4d/../x", ""])
def test_load_classifier_version_outside_folder_refused(
    model_copy: Path, version: str
) -> None:
    with pytest.raises(ModelNotFound):
        load_classifier(model_copy, version=version or "not-a-version")


def test_evaluate_texts_corpus_phrasings_scored(classifier: Classifier) -> None:
    examples = [
        LabeledExample(CHINESE_CONTRACT, "", "contract", "confidential"),
        LabeledExample(ENGLISH_INVOICE, "", "invoice/financial", "confidential"),
    ]

    scores = evaluate_texts(classifier, examples)

    assert scores["examples"] == 2
    assert scores["category"]["accuracy"] == 1.0
    assert "financial" in scores["category"]["per_class"]
    assert "macro_f1" in scores["sensitivity"]


def test_load_classifier_shipped_model_verified_and_predicts() -> None:
    shipped = load_classifier(SHIPPED_MODELS_DIR)

    prediction = shipped.predict(CHINESE_CONTRACT)

    assert prediction.model_version == shipped.version
    assert prediction.category == "contract"
