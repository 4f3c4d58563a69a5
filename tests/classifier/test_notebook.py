"""The evaluation notebook runs top to bottom on the shipped model, offline."""

from __future__ import annotations

import pytest

from search_api.settings import PROJECT_ROOT

nbclient = pytest.importorskip(
    "nbclient", reason="nbclient, ipykernel and matplotlib run the notebook"
)
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("matplotlib")
pytest.importorskip("ipykernel")

NOTEBOOK = PROJECT_ROOT / "notebooks" / "classifier_evaluation.ipynb"
CELL_TIMEOUT_SECONDS = 300


def _stream_text(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def _has_image(notebook: nbformat.NotebookNode) -> bool:
    return any(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_classifier_evaluation_notebook_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    assert all(not cell.outputs and cell.execution_count is None for cell in code_cells)


@pytest.mark.slow
def test_classifier_evaluation_notebook_runs_and_reports_macro_f1() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )

    client.execute()

    text = _stream_text(notebook)
    assert "category macro-F1:" in text
    assert "sensitivity macro-F1:" in text
    assert "misclassified" in text
    assert " 0 missing" in text
    assert _has_image(notebook)
