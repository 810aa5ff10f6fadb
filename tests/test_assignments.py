"""The graded assignments (assignments/*.ipynb, otter-grader's format) grade what they claim.

For every assignment: `otter assign` generates the student version and the autograder (as
`make assignments` does); `otter run` (no Docker) then grades three kinds of submission:
- the solution version scores full marks on every code part;
- the student version, unsolved, scores zero on every code part;
- versions with a typical mistake planted lose exactly the marks of the part that holds it
  (BCE on probabilities; the saturating loss in place of the non-saturating; an answer that
  calls ganlib's function instead of its own code; the f-GAN conjugate applied to the raw
  output; one gradient norm per batch instead of per sample; the standard deviation over n).
The student version must hold no solution, no model answer and no hidden test. The written
parts are graded by hand with the rubric in the solution version, so they carry no score here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MASTERS = sorted((ROOT / "assignments").glob("*.ipynb"))
pytestmark = pytest.mark.skipif(shutil.which("otter", path=str(BIN)) is None,
                                reason="otter-grader is not installed (requirements.txt)")

# assignment stem -> {planted version: ([(solution line, mistaken line)], {part: expected score})}
# Every part not named keeps its full marks.
PLANTED = {
    "01_logit_losses": {
        "bce on probabilities": (
            [("return F.softplus(-real).mean() + F.softplus(fake).mean()",
              "return (F.binary_cross_entropy(torch.sigmoid(real), torch.ones_like(real)) "
              "+ F.binary_cross_entropy(torch.sigmoid(fake), torch.zeros_like(fake)))")],
            {"q1": 0}),
        "saturating in place of non-saturating, and ganlib's own function": (
            [("return F.softplus(-fake).mean()", "return -F.softplus(fake).mean()"),
             ("return -F.softplus(fake).mean()\n",
              "from ganlib import losses\n    return losses.minimax_g_loss(fake)\n")],
            {"q2": 0, "q3": 0}),
    },
    "02_fgan_conjugate": {
        "conjugate on the raw output": (
            [("conjugate(activation(fake)).mean())", "conjugate(fake).mean())")], {"q3": 0}),
    },
    "03_gradient_penalty": {
        "one norm per batch": (
            [("return (grad_norms(critic, x_hat) - 1).pow(2).mean()",
              "x_hat.requires_grad_(True)\n"
              "    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)\n"
              "    return (g.norm(2) - 1) ** 2")],
            {"q2": 0}),
    },
    "05_loss_study": {
        "standard deviation over n": (
            [("values.std(ddof=1)", "values.std()")], {"q1": 0}),
    },
}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _grade(autograder: Path, notebook: Path) -> dict[str, tuple[float, float]]:
    """{part: (score, max)} for the code parts, from `otter run` on ``notebook``."""
    out = notebook.parent / f"{notebook.stem}-results"
    out.mkdir()
    done = _run([str(BIN / "otter"), "run", "-a", str(autograder), str(notebook), "-o", str(out),
                 "--no-logo"], notebook.parent)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: (t["score"], t["max_score"]) for t in tests if "max_score" in t}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate every assignment and grade its solution, student and planted versions."""
    root = tmp_path_factory.mktemp("assignments")
    jobs = []
    for master in MASTERS:
        dist = root / master.stem
        made = _run([str(BIN / "otter"), "assign", "--no-run-tests", str(master), str(dist)], ROOT)
        assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
        (zipped,) = (dist / "autograder").glob("*.zip")
        solution = dist / "autograder" / master.name
        versions = {"solution": solution, "student": dist / "student" / master.name}
        for i, (name, (edits, _)) in enumerate(PLANTED.get(master.stem, {}).items()):
            text = solution.read_text()
            for old, new in edits:
                old_json, new_json = json.dumps(old)[1:-1], json.dumps(new)[1:-1]
                assert old_json in text, f"{master.stem}: cannot plant {name!r}: {old!r} missing"
                text = text.replace(old_json, new_json, 1)
            planted = root / f"{master.stem}-planted-{i}" / master.name
            planted.parent.mkdir()
            planted.write_text(text)
            versions[name] = planted
        for version, notebook in versions.items():
            jobs.append((master.stem, version, zipped, notebook))
    with ThreadPoolExecutor(max_workers=2) as pool:
        scores = list(pool.map(lambda j: _grade(j[2], j[3]), jobs))
    results = {}
    for (stem, version, _, _), score in zip(jobs, scores):
        results.setdefault(stem, {})[version] = score
    return root, results


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_solution_scores_full_marks(graded, master):
    scores = graded[1][master.stem]["solution"]
    assert scores, f"{master.stem} has no graded part"
    for part, (score, most) in scores.items():
        assert score == most > 0, f"{master.stem} {part}: the solution scores {score} of {most}"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_unsolved_student_version_scores_zero(graded, master):
    for part, (score, most) in graded[1][master.stem]["student"].items():
        assert score == 0, f"{master.stem} {part}: the unsolved version scores {score} of {most}"


@pytest.mark.parametrize("stem,version", [(s, v) for s, vs in PLANTED.items() for v in vs])
def test_a_planted_mistake_costs_exactly_its_part(graded, stem, version):
    expected = PLANTED[stem][version][1]
    full = graded[1][stem]["solution"]
    got = graded[1][stem][version]
    for part, (score, most) in got.items():
        want = expected.get(part, full[part][0])
        assert score == want, (f"{stem} with {version!r}: {part} scores {score} of {most}, "
                               f"expected {want}")


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_version_holds_no_solution_or_hidden_test(graded, master):
    student = json.loads((graded[0] / master.stem / "student" / master.name).read_text())
    text = "\n".join("".join(c["source"]) for c in student["cells"])
    for leak in ("BEGIN SOLUTION", "Model answer", "Rubric", "BEGIN TEST CONFIG"):
        assert leak not in text, f"{master.stem}: the student version contains {leak!r}"
    tests = json.dumps(student["metadata"].get("otter", {}).get("tests", {}))
    assert "hidden=True" not in tests, f"{master.stem}: a hidden test is in the student version"


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_master_is_committed_without_outputs(master):
    nb = json.loads(master.read_text())
    for cell in nb["cells"]:
        assert not cell.get("outputs"), f"{master.name}: strip the outputs (nbstripout)"


def test_colab_edition_installs_ganlib_and_fetches_the_public_checks(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    import colab_edition

    master = MASTERS[0]
    path = colab_edition.assignment_edition(master, tmp_path, solved=tmp_path / "solved")
    nb = json.loads(path.read_text())
    setup = "".join(nb["cells"][0]["source"])
    assert f"git+{colab_edition.repository_url()}@{colab_edition.commit()}" in setup
    assert "otter-grader==7.0.0" in setup
    tests = sorted(p.name for p in (path.parent / "tests").glob("*.py"))
    assert tests and repr(tests) in setup, "the setup cell fetches every public test file"
    assert f"/colab/assignments/{master.stem}/tests/" in setup
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert "otter.Notebook(" in text and "BEGIN SOLUTION" not in text and "Rubric" not in text
    assert not any("hidden=True" in (path.parent / "tests" / t).read_text() for t in tests)
    # the solved edition (for tests/test_colab.py): the same notebook and public tests, with
    # otter's solution code in every code answer cell and nothing else changed
    solved = json.loads((tmp_path / "solved" / master.name).read_text())
    assert len(solved["cells"]) == len(nb["cells"])
    changed = [(a, b) for a, b in zip(nb["cells"], solved["cells"]) if a != b]
    assert changed and all(a["cell_type"] == "code" and "otter_answer_cell" in a["metadata"]["tags"]
                           and "".join(a["source"]).rstrip().endswith("...")
                           and "BEGIN SOLUTION" in "".join(b["source"]) for a, b in changed)
    assert len(changed) == sum(c["cell_type"] == "code" and "otter_answer_cell"
                               in c["metadata"].get("tags", []) for c in nb["cells"])
    assert sorted(p.name for p in (tmp_path / "solved" / "tests").glob("*.py")) == tests
