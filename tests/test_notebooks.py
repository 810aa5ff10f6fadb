"""House rules for the chapter notebooks, checked without running them (nbval runs them)."""

import ast
import json
import re
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
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", cell.get("id", "")), (
            f"{path.name} cell {i} has no cell id (nbformat 4.5 wants one): run "
            f"nbformat.validator.normalize on it")
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_is_numbered_captioned_and_described(path):
    # A cell that draws a figure carries a name (so it is numbered, "Fig. N.k"), a caption
    # and alt text for readers who cannot see it (myst-nb cell metadata).
    cells = json.loads(path.read_text())["cells"]
    names = []
    for i, cell in enumerate(cells):
        source, metadata = "".join(cell["source"]), cell.get("metadata", {})
        assert "image" not in metadata and "figure" not in metadata, (
            f"{path.name} cell {i}: figure and image metadata go under mystnb")
        draws = "plt.show()" in source or any(  # a figure made at the cell's top level
            re.match(r"\S.*\bplt\.(subplots|figure)\(", line) for line in source.splitlines())
        if cell["cell_type"] != "code" or not (draws or "figure" in metadata.get("mystnb", {})):
            continue
        meta = metadata.get("mystnb", {})
        figure, image = meta.get("figure", {}), meta.get("image", {})
        assert figure.get("name", "").startswith(f"fig-ch{int(path.name[:2])}-"), (
            f"{path.name} cell {i}: figure needs mystnb.figure.name fig-ch{int(path.name[:2])}-...")
        assert len(figure.get("caption", "")) > 20, f"{path.name} cell {i}: no caption"
        assert len(image.get("alt", "")) > 20, f"{path.name} cell {i}: no alt text"
        names.append(figure["name"])
        last = _last_statement(source)
        assert not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                    and ast.unparse(last.value.func) not in ("plt.show", "display")), (
            f"{path.name} cell {i}: the cell's last line returns a value, which shows as a "
            "second output under the same figure name; assign it to _")
    assert len(names) == len(set(names)), f"{path.name}: figure names repeat: {names}"


def _last_statement(source: str):
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        body = ast.parse("\n".join(lines)).body
    except SyntaxError:
        return None
    return body[-1] if body else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_follow_the_house_style(path):
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    for title, body in re.findall(r"```\{exercise\}(.*)\n:label: [^\n]+\n\n([^\n]*)", text):
        assert title.strip(), f"{path.name}: an exercise has no title"
        assert re.match(r"\*(Derive|Implement|Experiment)\.\*", body), (
            f"{path.name}: exercise {title.strip()!r} should open with *Derive.*, "
            f"*Implement.* or *Experiment.*")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_implement_exercise_names_a_check(path):
    # Issue 21: an implementation exercise comes with a check the student can run
    # (ganlib.checks), compared with a reference on random inputs and edge cases.
    text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                     if c["cell_type"] == "markdown")
    exercises = re.findall(r"```\{exercise\}([^\n]*)\n:label: [^\n]+\n\n(.*?)\n```", text,
                           re.S)
    missing = [title.strip() for title, body in exercises
               if body.startswith("*Implement.*") and not re.search(r"`checks\.\w+\(", body)]
    assert not missing, (f"{path.name}: the *Implement.* exercises {missing} name no "
                         "`checks.` call (ganlib.checks) for the student to run")


def test_implement_exercises_are_found():
    found = [path.name for path in NOTEBOOKS if "*Implement.*" in path.read_text()]
    assert len(found) >= 8, found  # the test above has something to check


def math_line_breaks_as_list(markdown: str) -> list[str]:
    """Lines that continue an inline $...$ from the line above but begin like a list item
    ("+ ", "- ", "* ", "1. "): Markdown ends the paragraph there, so the maths is left as text.
    Code fences are skipped; directive fences ({exercise}, {solution} ...) hold Markdown."""
    bad, open_math, fence = [], False, None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            info = stripped.lstrip("`~").strip()
            if fence is None and not info.startswith("{") and info:
                fence = stripped[:3]
            elif fence is not None and stripped.startswith(fence) and not info:
                fence = None
            continue
        if fence is not None:
            continue
        if not stripped:
            open_math = False  # a blank line ends the paragraph, and with it any maths
            continue
        if open_math and re.match(r"([+*-]|\d+[.)])\s", stripped):
            bad.append(line)
        singles = re.sub(r"\\\$|\$\$", "", line).count("$")
        open_math ^= singles % 2 == 1
    return bad


def test_math_line_breaks_as_list_finds_the_trap():
    assert math_line_breaks_as_list("a $x =\n+ y$ b") == ["+ y$ b"]
    assert math_line_breaks_as_list("a $x$ b\n- item") == []
    assert math_line_breaks_as_list("a $x +\ny$ b") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_inline_maths_continues_on_a_list_line(path):
    cells = json.loads(path.read_text())["cells"]
    bad = [line for c in cells if c["cell_type"] == "markdown"
           for line in math_line_breaks_as_list("".join(c["source"]))]
    assert not bad, (f"{path.name}: inline maths continues on a line that Markdown reads as a "
                     f"list item; move the operator to the end of the line above: {bad}")
