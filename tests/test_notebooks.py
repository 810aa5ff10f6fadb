"""House rules for the chapter notebooks, checked without running them (nbval runs them)."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
TOC = (ROOT / "_toc.yml").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_house_rules(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and not cell.get("execution_count"), (
                f"{path.name} cell {i} has outputs: strip them (nbstripout {path.name})")
    first = cells[0]
    assert first["cell_type"] == "code" and "pip install" in "".join(first["source"]), (
        "the first cell must install ganlib when it is missing (for Colab)")
    assert "remove-cell" in first.get("metadata", {}).get("tags", []), (
        "the Colab set-up cell must be tagged remove-cell so the book hides it")
    headings = [line for c in cells if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).splitlines() if line.startswith("# ")]
    assert len(headings) == 1, f"{path.name} needs exactly one H1, has {headings}"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert f"chapters/{path.stem}" in TOC, f"{path.name} is not listed in _toc.yml"
    assert "{bibliography}" in "".join("".join(c["source"]) for c in cells), "no references"
