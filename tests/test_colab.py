"""The Colab edition: plain CommonMark + $-maths, the same code, and it runs outside the repo.

`make colab` writes it (tools/colab_edition.py). Here: every chapter has an edition; no MyST
syntax survives (checked with the MyST parser and with a plain CommonMark renderer); code
cells are the chapter's byte for byte, except the pinned install cell; and one chapter runs
in a fresh virtual environment, with ganlib installed from a wheel and a different torch than
requirements.txt pins, from a folder outside the repository. `make colab-check` runs every
chapter that way (COLAB_CHAPTERS=all).

The graded assignments' Colab editions run in the same fresh environment, as a student would
in Colab: the setup cell (ganlib is already installed there, so it is not fetched from GitHub;
otter-grader==7.0.0 is installed from the package registry; the public tests are already beside
the notebook, so none is downloaded), then the notebook. The unsolved edition runs to the end
with every check reporting a failure and no exception; the solved edition (the same notebook
with otter's solution code in its answer cells) passes every check. By default the first
assignment runs; COLAB_ASSIGNMENTS=all (`make colab-check`) runs all five, "none" none.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_edition  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MYST_LEFTOVERS = re.compile(r"\{(cite|doc|ref|numref|prf:|eq|exercise|solution|bibliography|"
                            r"note|warning|admonition|math)[^}]*\}|^:label:|^\(\S+\)=$", re.M)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("colab")
    assert colab_edition.main(["--out", str(out)]) == 0
    return out


def cells(path: Path, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == kind]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_myst_syntax_survives(edition, chapter):
    made = edition / "chapters" / chapter.name
    assert made.exists(), f"no Colab edition of {chapter.name}"
    plain = MarkdownIt("commonmark").use(dollarmath_plugin)
    for text in cells(made, "markdown"):
        for token in colab_edition._MD.parse(text):  # the MyST parser finds nothing MyST
            assert token.type not in ("myst_target", "math_block_label", "myst_directive"), text
            assert not (token.type == "fence" and token.info.strip().startswith("{")), text
            for child in token.children or []:
                assert child.type != "myst_role", f"role left: {child.meta} in {text[:200]}"
        html = plain.render(text)  # what Colab shows: no directive syntax in the text
        visible = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
        assert not MYST_LEFTOVERS.search(visible), MYST_LEFTOVERS.search(visible).group(0)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_code_cells_are_the_chapters(edition, chapter):
    made = cells(edition / "chapters" / chapter.name, "code")
    source = cells(chapter, "code")
    assert made[1:] == source[1:], "code cells differ from the chapter's"
    sha = colab_edition.commit()
    assert f"{colab_edition.repository_url()}@{sha}" in made[0], made[0]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_code_writes_no_myst_into_its_outputs(chapter):
    # Markdown that a code cell displays reaches Colab unconverted (code is copied as is), so
    # generated text must not contain roles such as {numref} or {cite:t}.
    role = re.compile(r"\{\{?(cite|numref|ref|prf:ref|doc|eq)(:[tp])?\}?\}`")
    for i, text in enumerate(cells(chapter, "code")):
        assert not role.search(text), f"{chapter.name} code cell {i}: {role.search(text).group(0)}"


def test_numbers_and_citations_are_converted(edition):
    first = "\n".join(cells(edition / "chapters" / CHAPTERS[0].name, "markdown"))
    assert "**Theorem 1.1**" in first and "**Exercise 1.1**" in first
    assert re.search(r"Goodfellow et al\.\]?\(?[^)]*\)? ?\(?2014", first)
    assert "<details>" in first and "Solution to Exercise 1.1" in first


def test_unknown_syntax_is_refused():
    book = colab_edition.index_book()
    convert = colab_edition.Converter(book, "chapters/01_minimax_game")
    with pytest.raises(colab_edition.EditionError, match="unknown label"):
        convert.markdown("See {ref}`no-such-label`.")
    with pytest.raises(colab_edition.EditionError, match="has no Colab form"):
        convert.markdown("```{glossary}\nterm\n```")
    assert convert.markdown("See `{ref}` in code.") == "See `{ref}` in code."


def fresh_environment(tmp: Path) -> Path:
    """A venv with ganlib from a wheel and torch 2.14.1, as a student's Colab-like runtime."""
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(ROOT)], check=True)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "torch==2.14.1",
                    *wheels.glob("ganlib-*.whl"), "ipykernel", "nbclient", "nbformat",
                    "ipywidgets", "matplotlib", "scipy", "scikit-learn", "tqdm"], check=True)
    return py


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    """One fresh environment (minutes to build) for the chapters' and the assignments' runs."""
    start = time.perf_counter()
    py = fresh_environment(tmp_path_factory.mktemp("fresh"))
    print(f"\nfresh environment built in {time.perf_counter() - start:.0f} s")
    return py


@pytest.mark.skipif(os.environ.get("COLAB_CHAPTERS") == "none", reason="COLAB_CHAPTERS=none")
def test_edition_runs_in_a_fresh_environment(edition, fresh_python, tmp_path):
    wanted = os.environ.get("COLAB_CHAPTERS", CHAPTERS[0].stem)
    chosen = CHAPTERS if wanted == "all" else [p for p in CHAPTERS if p.stem in wanted.split()]
    py = fresh_python
    outside = tmp_path / "student"  # no file of the checkout is reachable from here
    outside.mkdir()
    timings = {}
    for chapter in chosen:
        shutil.copy(edition / "chapters" / chapter.name, outside / chapter.name)
        script = ("import nbclient, nbformat, sys\n"
                  f"nb = nbformat.read({str(outside / chapter.name)!r}, as_version=4)\n"
                  "nbclient.NotebookClient(nb, timeout=1200, kernel_name='python3',"
                  f" resources={{'metadata': {{'path': {str(outside)!r}}}}}).execute()\n")
        start = time.perf_counter()
        env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONPATH": ""}
        done = subprocess.run([str(py), "-c", script], cwd=outside, capture_output=True,
                              text=True, env=env)
        timings[chapter.stem] = time.perf_counter() - start
        assert done.returncode == 0, done.stderr[-3000:]
    version = subprocess.run([str(py), "-c", "import torch; print(torch.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    assert version.startswith("2.14.1"), version
    print("Colab-like runs (torch " + version + "): " +
          ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))


ASSIGNMENTS = sorted((ROOT / "assignments").glob("*.ipynb"))
CHECK = re.compile(r"""^\s*grader\.check\(["'](\w+)["']\)\s*$""")


def execute(py: Path, notebook: Path) -> tuple[dict, float]:
    """Run ``notebook`` in its folder with ``py``'s kernel as a student would, every cell even
    after an error; returns the executed notebook (nbclient records each cell's timing) and the
    wall time."""
    done_path = notebook.with_name(notebook.stem + "-executed.ipynb")
    script = ("import nbclient, nbformat\n"
              f"nb = nbformat.read({str(notebook)!r}, as_version=4)\n"
              "nbclient.NotebookClient(nb, timeout=1200, kernel_name='python3', allow_errors=True,"
              f" resources={{'metadata': {{'path': {str(notebook.parent)!r}}}}}).execute()\n"
              f"nbformat.write(nb, {str(done_path)!r})\n")
    # GIT_ALLOW_PROTOCOL: a `pip install git+https://...` of ganlib would fail loudly
    env = {**os.environ, "TQDM_DISABLE": "1", "PYTHONPATH": "", "OMP_NUM_THREADS": "1",
           "GIT_ALLOW_PROTOCOL": "file"}
    start = time.perf_counter()
    done = subprocess.run([str(py), "-c", script], cwd=notebook.parent, capture_output=True,
                          text=True, env=env)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done_path.read_text()), seconds


def cell_seconds(cell: dict) -> float:
    from datetime import datetime

    t = cell["metadata"]["execution"]
    start, end = (datetime.fromisoformat(t[k].replace("Z", "+00:00"))
                  for k in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def outputs_text(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append("".join(out["text"]))
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append("".join(out["data"].get("text/plain", "")))
        elif out["output_type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "\n".join(parts)


def errors(nb: dict) -> list[tuple[int, str]]:
    return [(i, "".join(c["source"])[:80] + f" -> {o['ename']}: {o['evalue'][:200]}")
            for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o["output_type"] == "error"]


@pytest.mark.skipif(os.environ.get("COLAB_ASSIGNMENTS") == "none",
                    reason="COLAB_ASSIGNMENTS=none")
def test_assignment_edition_runs_in_a_fresh_environment(fresh_python, tmp_path):
    wanted = os.environ.get("COLAB_ASSIGNMENTS", ASSIGNMENTS[0].stem)
    chosen = (ASSIGNMENTS if wanted == "all"
              else [p for p in ASSIGNMENTS if p.stem in wanted.split()])
    assert chosen, f"COLAB_ASSIGNMENTS={wanted!r} names no assignment"
    timings = []
    for master in chosen:
        solved = tmp_path / "solved" / master.stem
        made = colab_edition.assignment_edition(master, tmp_path / "dist" / master.stem,
                                                solved=solved)
        for version, folder in (("unsolved", made.parent), ("solved", solved)):
            outside = tmp_path / "student" / version / master.stem  # outside the checkout
            shutil.copytree(folder, outside)
            tests = {p.name: p.read_bytes() for p in (outside / "tests").glob("*.py")}
            nb, seconds = execute(fresh_python, outside / master.name)
            where = f"{master.stem} ({version})"
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            # the setup cell: ganlib already there (nothing from GitHub), otter installed, and
            # the public tests already beside the notebook (none downloaded)
            setup = outputs_text(code[0])
            assert "ganlib" not in setup and "github" not in setup.lower(), f"{where}: {setup}"
            assert not any(o["output_type"] == "error" for o in code[0]["outputs"]), setup
            assert tests and {p.name: p.read_bytes()
                              for p in (outside / "tests").glob("*.py")} == tests, where
            checks = {CHECK.match("".join(c["source"])).group(1): outputs_text(c)
                      for c in code if CHECK.match("".join(c["source"]))}
            assert checks and set(checks) == {p.removesuffix(".py") for p in tests}, where
            assert not errors(nb), f"{where}: {errors(nb)}"
            for q, text in checks.items():
                passed = f"{q} results: All test cases passed!" in text
                assert passed == (version == "solved"), f"{where} grader.check({q!r}): {text}"
            pip = sum(cell_seconds(c) for c in code if "%pip install" in "".join(c["source"]))
            rest = sum(map(cell_seconds, code)) - pip
            timings.append(f"{master.stem} {version}: {seconds:.0f} s in all (kernel start "
                           f"included), the %pip cells {pip:.0f} s, the other cells {rest:.1f} s")
    version = subprocess.run([str(fresh_python), "-c", "import otter, torch; "
                              "print(otter.__version__, torch.__version__)"],
                             capture_output=True, text=True).stdout.split()
    assert version[0] == "7.0.0" and version[1].startswith("2.14.1"), version
    print("\nColab-like assignment runs (otter " + version[0] + ", torch " + version[1] + "):\n"
          + "\n".join(timings))
