"""Repository-wide facts: one repository address, a linted publishing workflow."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = CONFIG["repository"]["url"].rstrip("/")
BOOK = CONFIG["html"]["baseurl"]
OWNER, NAME = REPO.split("/")[-2:]


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    suffixes = {".md", ".ipynb", ".py", ".toml", ".yml", ".yaml", ".cff", ".txt", ".cfg"}
    return [ROOT / n for n in names if Path(n).suffix in suffixes and (ROOT / n).exists()]


def test_every_file_shows_the_same_repository_and_book_address():
    # Any address of this project's repository or pages must be the one in _config.yml.
    repo_like = re.compile(rf"https?://github\.com/[\w.-]+/{re.escape(NAME)}[\w./@-]*")
    pages_like = re.compile(rf"https?://[\w.-]+\.github\.io/{re.escape(NAME)}/?")
    seen = 0
    for path in tracked_text_files():
        text = path.read_text(errors="ignore")
        for url in repo_like.findall(text):
            seen += 1
            assert url.rstrip("/.").split("@")[0] == REPO, f"{path.name}: {url} is not {REPO}"
        for url in pages_like.findall(text):
            assert url.rstrip("/") + "/" == BOOK, f"{path.name}: {url} is not {BOOK}"
    assert seen >= 4, "README, book pages and the chapters' install cells show the address"


def test_the_chapters_install_cells_use_the_repository():
    for nb in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert f"git+{REPO}" in nb.read_text(), f"{nb.name}: install cell not from {REPO}"


@pytest.mark.parametrize("workflow", sorted((ROOT / ".github" / "workflows").glob("*.yml")),
                         ids=lambda p: p.name)
def test_workflows_are_linted(workflow):
    bin_dir = Path(sys.executable).parent
    schema = [str(bin_dir / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
              str(workflow)]
    done = subprocess.run(schema, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    zizmor = shutil.which("zizmor", path=str(bin_dir)) or shutil.which("zizmor")
    assert zizmor, "zizmor is in requirements.txt"
    done = subprocess.run([zizmor, "--offline", "--config", str(ROOT / ".github" / "zizmor.yml"),
                           str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_citation_file_names_the_current_version_and_addresses():
    import ganlib

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["version"] == ganlib.__version__
    assert cff["repository-code"] == REPO and cff["url"] == BOOK
