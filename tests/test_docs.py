"""ganlib's docstrings link each function to its chapter section and its test: check the links."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "ganlib").glob("*.py"))


def headings(chapter: int) -> set[str]:
    (path,) = (ROOT / "chapters").glob(f"{chapter:02d}_*.ipynb")
    cells = json.loads(path.read_text())["cells"]
    return {line.lstrip("#").strip().replace("\u2013", "-")
            for c in cells if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if line.startswith("#")}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_named_tests_exist(source):
    text = " ".join(source.read_text().split())  # docstrings wrap lines
    for path, name in re.findall(r"(tests/test_\w+\.py)::(test_\w+)", text):
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.M), (
            f"{source.name} names {path}::{name}, which does not exist")


def section_links(text: str) -> list[tuple[str, str]]:
    return re.findall(r"[Cc]hapter (\d+),? ((?:\"[^\"]+\",?(?: and)? ?)+)", text)


def test_the_link_pattern_finds_the_links():
    links = [link for s in SOURCES for link in section_links(" ".join(s.read_text().split()))]
    assert len(links) >= 25, links
    example = 'Chapter 4, "f-divergences", "Fenchel conjugates" and "In code" derive'
    assert section_links(example) == [("4", '"f-divergences", "Fenchel conjugates" and "In code" ')]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_named_chapter_sections_exist(source):
    text = " ".join(source.read_text().split())
    for chapter, titles in section_links(text):
        if not list((ROOT / "chapters").glob(f"{int(chapter):02d}_*.ipynb")):
            continue  # a chapter in preparation
        for title in re.findall(r"\"([^\"]+)\"", titles):
            assert title in headings(int(chapter)), (
                f"{source.name}: chapter {chapter} has no section {title!r}")
