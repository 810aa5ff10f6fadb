"""Write the plain-Jupyter (Colab) edition of every chapter to _build/colab/.

    python tools/colab_edition.py [--out _build/colab] [--outputs-from _build/jupyter_execute]

The chapters are MyST notebooks: their Markdown holds directives (theorems, proofs, exercises,
solutions, admonitions, the bibliography), roles (citations, cross-references) and labels that
only Jupyter Book understands. Colab and plain Jupyter render notebook Markdown as CommonMark
with $-maths, so this script rewrites each Markdown cell for them, using the MyST parser that
Jupyter Book itself uses (markdown-it-py with myst-parser's plugins) to find every directive and
role -- no regular expressions over the source:

- theorem-like blocks and exercises become headed paragraphs numbered as in the HTML book
  ("Theorem 1.1", "Exercise 4.2": one counter per kind and chapter, as sphinx-proof and
  sphinx-exercise number them); proofs end with a square; admonitions become blockquotes;
- solutions are folded in HTML ``<details>``; a solution spread over several cells
  (``solution-start`` ... ``solution-end``) becomes a section under a heading that Colab and
  JupyterLab show collapsed;
- citations become "Author (year)" / "(Author, year)" linked to the paper; the bibliography
  becomes a list of the chapter's references;
- cross-references ({doc}, {ref}, {numref}, {prf:ref}, {eq}) become links into the rendered
  book, with the same numbers; labels and targets disappear; labelled display maths loses its
  label.

Code cells are copied byte for byte, except the first, which installs ganlib pinned to the
commit the edition was generated from. With ``--outputs-from`` the code cells carry the outputs
of the book's own execution (what the published edition does, so that a reader sees the
figures before running anything); without it the edition has no outputs.

``--assignments`` writes the Colab edition of each graded assignment instead (assignments/,
otter-grader's format) to _build/assignments/NN_name/colab/: otter assign itself generates it,
from the master with ``runs_on: colab`` and the public tests as files (otter's own Colab
set-up: a cell that installs otter-grader, tests in tests/); this script only adds a first cell
that installs ganlib pinned to the commit and fetches those test files from the colab branch,
where the publishing workflow puts the folder. Hidden tests stay in the autograder.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

ROOT = Path(__file__).resolve().parents[1]
PROOF_KINDS = {"theorem", "proposition", "lemma", "corollary", "definition", "remark",
               "example", "conjecture", "axiom", "criterion", "observation", "property",
               "assumption", "algorithm", "notation"}
ADMONITIONS = {"note", "tip", "hint", "warning", "important", "caution", "attention",
               "danger", "error", "seealso", "admonition"}
_MD = create_md_parser(MdParserConfig(enable_extensions={"dollarmath", "colon_fence", "amsmath"}),
                       RendererHTML)


class EditionError(ValueError):
    """Something in a chapter's Markdown that the edition cannot express."""


# ----------------------------------------------------------------------- the book's facts


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def repository_url() -> str:
    return config()["repository"]["url"].rstrip("/")


def book_url() -> str:
    return config()["html"]["baseurl"].rstrip("/") + "/"


def numbered_chapters() -> list[str]:
    """Docnames of the chapters in numbered parts of _toc.yml, in order (chapter 1 first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc.get("parts", []) if part.get("numbered")
            for c in part["chapters"]]


def commit() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


@dataclass
class Target:
    """Where a label points: page (docname), anchor, and the text a reference shows."""

    docname: str
    anchor: str
    text: str


@dataclass
class Book:
    """Labels, page titles and references of the whole book, for cross-chapter links."""

    targets: dict = field(default_factory=dict)
    titles: dict = field(default_factory=dict)
    bib: dict = field(default_factory=dict)


def _options(content: str) -> tuple[dict, str]:
    """Split a directive body into its ``:key: value`` options and the rest."""
    lines, opts = content.split("\n"), {}
    while lines and lines[0].startswith(":") and ":" in lines[0][1:]:
        key, _, value = lines.pop(0)[1:].partition(":")
        opts[key.strip()] = value.strip()
    return opts, "\n".join(lines).strip("\n")


def _directive(token) -> tuple[str, str]:
    name, _, argument = token.info.strip()[1:].partition("}")
    return name.strip(), argument.strip()


def _walk_directives(text: str):
    """Every directive in ``text``, nested ones included, in document order."""
    for token in _MD.parse(text):
        if token.type == "fence" and token.info.strip().startswith("{"):
            name, argument = _directive(token)
            opts, body = _options(token.content)
            yield name, argument, opts, body
            yield from _walk_directives(body)


def _markdown_cells(nb: dict):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def index_book() -> Book:
    """Number every labelled block of every chapter the way the HTML book does."""
    book = Book(bib=_bibliography())
    docs = {p.relative_to(ROOT).with_suffix("").as_posix(): p
            for p in [*ROOT.glob("chapters/*.ipynb"), *ROOT.glob("book/*.md")]}
    numbers = {doc: i + 1 for i, doc in enumerate(numbered_chapters())}
    for doc, path in docs.items():
        if path.suffix == ".md":
            text = path.read_text()
            book.titles[doc] = next(line[2:].strip() for line in text.splitlines()
                                    if line.startswith("# "))
            continue
        nb = json.loads(path.read_text())
        title = next(line[2:].strip() for c in _markdown_cells(nb) for line in c.splitlines()
                     if line.startswith("# "))
        n = numbers.get(doc)
        book.titles[doc] = f"{n}. {title}" if n else title
        _index_chapter(book, doc, nb, n)
    return book


class _Numbers:
    """One counter per kind (figure, equation, theorem, exercise, ...), as Sphinx keeps them."""

    def __init__(self, chapter: int | None):
        self.chapter, self.counts = chapter, {}

    def next(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{self.chapter}.{self.counts[kind]}" if self.chapter else str(self.counts[kind])


def _index_chapter(book: Book, doc: str, nb: dict, chapter: int | None) -> None:
    numbers = _Numbers(chapter)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            fig = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if fig.get("name"):
                book.targets[fig["name"]] = Target(doc, fig["name"],
                                                   f"Fig. {numbers.next('figure')}")
            continue
        text = "".join(cell["source"])
        for token in _MD.parse(text):
            if token.type == "myst_target":
                heading = _next_heading(text, token.map[1])
                book.targets[token.content] = Target(doc, token.content, heading)
            if token.type == "math_block_label":
                book.targets[token.info] = Target(doc, f"equation-{token.info}",
                                                  f"({numbers.next('equation')})")
        for name, _, opts, _ in _walk_directives(text):
            kind = name.split(":")[-1]
            if (name.startswith("prf:") and kind in PROOF_KINDS or name == "exercise") and (
                    "nonumber" not in opts):
                label = f"{kind.capitalize()} {numbers.next(kind)}"
                if "label" in opts:
                    book.targets[opts["label"]] = Target(doc, opts["label"], label)


def _next_heading(text: str, line: int) -> str:
    for row in text.split("\n")[line:]:
        if row.startswith("#"):
            return row.lstrip("#").strip()
    raise EditionError(f"target at line {line} is not followed by a heading")


def _bibliography() -> dict:
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(ROOT / "book" / "references.bib")).entries.items():
        people = entry.persons.get("author", [])
        last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        short = (last[0] if len(last) == 1 else f"{last[0]} and {last[1]}" if len(last) == 2
                 else f"{last[0]} et al.") if last else key
        fields = entry.fields
        url = (f"https://doi.org/{fields['doi']}" if "doi" in fields else fields.get("url", ""))
        full = ", ".join(" ".join([*p.first_names, *p.middle_names, *p.last_names])
                         for p in people)
        venue = fields.get("journal") or fields.get("booktitle") or fields.get("publisher", "")
        out[key] = dict(short=short, year=fields.get("year", ""), url=url,
                        title=fields.get("title", "").replace("{", "").replace("}", ""),
                        authors=full.replace("{", "").replace("}", ""),
                        venue=venue.replace("{", "").replace("}", ""))
    return out


# ----------------------------------------------------------------------- conversion


def _link(text: str, url: str) -> str:
    return f"[{text}]({url})" if url else text


class Converter:
    """Rewrites one chapter's Markdown cells; ``cited`` collects the keys it cites."""

    def __init__(self, book: Book, docname: str):
        self.book, self.docname, self.cited = book, docname, []

    def page_url(self, docname: str, anchor: str = "") -> str:
        return book_url() + docname + ".html" + (f"#{anchor}" if anchor else "")

    # roles ---------------------------------------------------------------------------
    def role(self, name: str, content: str) -> str:
        if name in ("cite:t", "cite:p", "cite"):
            keys = [k.strip() for k in content.split(",")]
            for key in keys:
                if key not in self.book.bib:
                    raise EditionError(f"{self.docname}: citation {key!r} not in references.bib")
                self.cited += [key] if key not in self.cited else []
            entries = [self.book.bib[k] for k in keys]
            if name == "cite:t":
                return "; ".join(_link(f"{e['short']} ({e['year']})", e["url"]) for e in entries)
            return "(" + "; ".join(_link(f"{e['short']}, {e['year']}", e["url"])
                                   for e in entries) + ")"
        if name == "doc":
            text, target = _explicit(content)
            doc = _resolve_doc(self.docname, target)
            if doc not in self.book.titles:
                raise EditionError(f"{self.docname}: {{doc}} to unknown page {target!r}")
            return _link(text or self.book.titles[doc], self.page_url(doc))
        if name in ("ref", "numref", "prf:ref", "eq"):
            text, label = _explicit(content)
            if label not in self.book.targets:
                raise EditionError(f"{self.docname}: reference to unknown label {label!r}")
            t = self.book.targets[label]
            shown = (text.replace("{number}", t.text.split(" ")[-1]) if text else t.text)
            return _link(shown, self.page_url(t.docname, t.anchor))
        if name == "math":
            return f"${content}$"
        raise EditionError(f"{self.docname}: role {{{name}}} has no Colab form yet")

    # blocks --------------------------------------------------------------------------
    def markdown(self, text: str) -> str:
        """CommonMark with $-maths for ``text`` (a Markdown cell or a directive's body)."""
        lines = text.split("\n")
        edits = []  # (first line, end line, replacement lines), applied bottom-up
        tokens = _MD.parse(text)
        for token in tokens:
            if token.map is None:
                continue
            if token.type == "fence" and token.info.strip().startswith("{"):
                name, argument = _directive(token)
                opts, body = _options(token.content)
                edits.append((*token.map, self.directive(name, argument, opts, body).split("\n")))
            elif token.type == "myst_target":
                edits.append((*token.map, []))
            elif token.type == "math_block_label":
                edits.append((*token.map, ["$$", token.content.strip("\n"), "$$"]))
            elif token.type == "inline":
                start, end = token.map
                block = "\n".join(lines[start:end])
                for child in token.children or []:
                    if child.type == "myst_role":
                        literal = f"{{{child.meta['name']}}}`{child.content}`"
                        if literal not in block:
                            raise EditionError(f"{self.docname}: cannot place role {literal}")
                        block = block.replace(literal, self.role(child.meta["name"],
                                                                 child.content), 1)
                edits.append((start, end, block.split("\n")))
        for start, end, new in sorted(edits, key=lambda e: -e[0]):
            lines[start:end] = new
        return "\n".join(lines)

    def directive(self, name: str, argument: str, opts: dict, body: str) -> str:
        kind = name.split(":")[-1]
        if name.startswith("prf:") and kind in PROOF_KINDS or name == "exercise":
            label = opts.get("label")
            number = self.book.targets[label].text if label in self.book.targets else (
                kind.capitalize())
            head = f"**{number}**" + (f" ({self.markdown(argument)})" if argument else "")
            return f"{head}\n\n{self.markdown(body)}"
        if name == "prf:proof":
            return f"*Proof.* {self.markdown(body)} $\\blacksquare$"
        if name == "solution":
            target = self.book.targets.get(argument)
            title = f"Solution to {target.text}" if target else "Solution"
            return (f"<details>\n<summary><b>{title}</b> (click to open)</summary>\n\n"
                    f"{self.markdown(body)}\n\n</details>")
        if name in ADMONITIONS:
            title = argument if name == "admonition" else (argument or name.capitalize())
            inner = f"**{self.markdown(title)}**\n\n{self.markdown(body)}"
            return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
        if name == "math":
            return f"$$\n{body}\n$$"
        if name == "bibliography":
            return self.references()
        if name == "solution-start":  # a solution over several cells: a collapsed section
            target = self.book.targets.get(argument or opts.get("label", ""))
            title = f"Solution to {target.text}" if target else "Solution"
            return f"#### {title}\n\n*(Open this section to read the solution.)*"
        if name == "solution-end":  # a heading of the same level closes the section
            return "#### End of the solution"
        raise EditionError(f"{self.docname}: directive {{{name}}} has no Colab form yet")

    def references(self) -> str:
        rows = []
        for key in sorted(self.cited, key=lambda k: (self.book.bib[k]["short"],
                                                     self.book.bib[k]["year"])):
            e = self.book.bib[key]
            title = _link(e["title"], e["url"])
            rows.append(f"- {e['authors']} ({e['year']}). {title}."
                        + (f" *{e['venue']}*." if e["venue"] else ""))
        return "\n".join(rows)


def _explicit(content: str) -> tuple[str, str]:
    """``text <target>`` -> (text, target); a bare target -> ("", target)."""
    if content.endswith(">") and "<" in content:
        text, _, target = content[:-1].rpartition("<")
        return text.strip(), target.strip()
    return "", content.strip()


def _resolve_doc(current: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = current.split("/")[:-1] + target.split("/")
    out: list[str] = []
    for part in parts:
        if part == "..":
            out.pop()
        elif part not in ("", "."):
            out.append(part)
    return "/".join(out)


# ----------------------------------------------------------------------- notebooks


def install_cell(sha: str) -> str:
    return (
        "# Colab (or any fresh environment): install ganlib, pinned to the version this\n"
        "# notebook was written with, if it is missing.\n"
        "try:\n"
        "    import ganlib  # noqa: F401\n"
        "except ImportError:\n"
        f'    %pip install --quiet "ganlib @ git+{repository_url()}@{sha}"'
    )


def edition(path: Path, book: Book, sha: str, outputs_from: Path | None = None) -> dict:
    """The Colab edition of the chapter notebook at ``path``."""
    nb = json.loads(path.read_text())
    docname = path.relative_to(ROOT).with_suffix("").as_posix()
    converter = Converter(book, docname)
    executed = None
    if outputs_from is not None:
        done = outputs_from / path.relative_to(ROOT)
        executed = json.loads(done.read_text()) if done.exists() else None
    code_outputs = iter([c for c in executed["cells"] if c["cell_type"] == "code"]
                        if executed else [])
    for cell in nb["cells"]:  # a first pass collects the citations for the bibliography
        if cell["cell_type"] == "markdown":
            converter.markdown("".join(cell["source"]))
    out = copy.deepcopy(nb)
    cells, collapsed, titled = [], [], False
    for i, cell in enumerate(out["cells"]):
        cell.pop("id", None)
        if cell["cell_type"] == "code":
            done = next(code_outputs, None)
            if i == 0:
                cell["source"] = install_cell(sha)
                cell["metadata"] = {}
            elif done is not None and done["source"] == cell["source"]:
                cell["outputs"] = done["outputs"]
                cell["execution_count"] = done["execution_count"]
            cells.append(cell)
            continue
        text = "".join(cell["source"])
        cell["source"] = converter.markdown(text)
        if _gate(text, "solution-start") is not None:
            cell_id = f"solution-{len(collapsed) + 1}"
            cell["metadata"] = {**cell.get("metadata", {}), "id": cell_id,
                                "jp-MarkdownHeadingCollapsed": True}
            collapsed.append(cell_id)
        if not titled and cell["source"].startswith("# "):
            first, _, rest = cell["source"].partition("\n")
            number = book.titles[docname].split(".")[0]
            cell["source"] = (f"{first}\n\n*The Colab edition of [chapter {number}]"
                              f"({converter.page_url(docname)}) of [GAN Losses, Derived "
                              f"and Run]({book_url()}).*\n{rest}")
            titled = True
        cells.append(cell)
    for cell in cells:
        if isinstance(cell["source"], str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    out["cells"] = cells
    out.setdefault("metadata", {})["colab"] = {"provenance": [], "toc_visible": True,
                                               "collapsed_sections": collapsed}
    return out


def assignment_edition(master: Path, dist: Path, solved: Path | None = None) -> Path:
    """Generate the Colab edition of the assignment ``master`` into ``dist``/colab with otter
    assign; returns the notebook's path.

    With ``solved`` (a folder), also write there the *solved* Colab edition, for tests: the same
    notebook and public tests, with each code answer cell replaced by otter's solution cell from
    the autograder notebook of the same ``otter assign`` run (in order; otter tags them
    ``otter_answer_cell`` and ``otter_assign_solution_cell``). It holds the solutions: never
    publish it."""
    nb = json.loads(master.read_text())
    first = nb["cells"][0]
    text = "".join(first["source"])
    if first["cell_type"] != "raw" or not text.startswith("# ASSIGNMENT CONFIG"):
        raise EditionError(f"{master.name}: the first cell must be otter's ASSIGNMENT CONFIG")
    conf = yaml.safe_load(text)  # the "# ASSIGNMENT CONFIG" line is a YAML comment
    conf["runs_on"] = "colab"
    conf["tests"] = {**conf.get("tests", {}), "files": True}
    first["source"] = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(conf, sort_keys=False)
    out = dist / "colab"
    with tempfile.TemporaryDirectory() as tmp:
        copy_ = Path(tmp) / master.name
        copy_.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        otter = Path(sys.executable).with_name("otter")
        subprocess.run([str(otter), "assign", "--no-run-tests", str(copy_), str(Path(tmp) / "d")],
                       check=True, capture_output=True, text=True)
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(Path(tmp) / "d" / "student", out)
        key = json.loads((Path(tmp) / "d" / "autograder" / master.name).read_text())
    path = out / master.name
    made = json.loads(path.read_text())
    tests = sorted(p.name for p in (out / "tests").glob("*.py"))
    raw = (f"https://raw.githubusercontent.com/{repository_url().split('github.com/')[1]}/colab/"
           f"assignments/{master.stem}/tests/")
    setup = install_cell(commit()) + (
        "\n%pip install --quiet otter-grader==7.0.0\n"
        "# otter's public checks for this assignment (grader.check), into tests/\n"
        "import os\nimport urllib.request\n\nos.makedirs(\"tests\", exist_ok=True)\n"
        f"for name in {tests!r}:\n"
        "    if not os.path.exists(f\"tests/{name}\"):\n"
        f"        urllib.request.urlretrieve(f\"{raw}{{name}}\", f\"tests/{{name}}\")")
    made["cells"].insert(0, {"cell_type": "code", "execution_count": None, "metadata": {},
                             "outputs": [], "source": setup.splitlines(keepends=True)})
    for cell in made["cells"]:
        cell.pop("id", None)
    made.setdefault("metadata", {})["colab"] = {"provenance": []}
    path.write_text(json.dumps(made, indent=1, ensure_ascii=False) + "\n")
    if solved is not None:
        _solved_edition(made, key, out, solved / master.name)
    return path


def _code_tagged(nb: dict, tag: str) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"
            and tag in c.get("metadata", {}).get("tags", [])]


def _solved_edition(made: dict, key: dict, colab: Path, path: Path) -> None:
    """Write ``made`` (a Colab edition) with otter's solution code from ``key`` (the autograder
    notebook) in its code answer cells to ``path``, beside a copy of the public tests."""
    solved = copy.deepcopy(made)
    answers = _code_tagged(solved, "otter_answer_cell")
    solutions = _code_tagged(key, "otter_assign_solution_cell")
    if len(answers) != len(solutions) or not answers:
        raise EditionError(f"{path.name}: {len(answers)} code answer cells in the student "
                           f"version, {len(solutions)} solution cells in otter's autograder one")
    for answer, solution in zip(answers, solutions):
        answer["source"] = solution["source"]
    shutil.rmtree(path.parent, ignore_errors=True)
    shutil.copytree(colab / "tests", path.parent / "tests")
    path.write_text(json.dumps(solved, indent=1, ensure_ascii=False) + "\n")


def _gate(text: str, name: str):
    for token in _MD.parse(text):
        if token.type == "fence" and token.info.strip().startswith("{"):
            directive, argument = _directive(token)
            if directive == name:
                opts, _ = _options(token.content)
                return argument or opts.get("label", "")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "colab")
    parser.add_argument("--outputs-from", type=Path, default=None,
                        help="executed notebooks to take outputs from (the book build's "
                             "_build/jupyter_execute)")
    parser.add_argument("--assignments", action="store_true",
                        help="write the graded assignments' Colab editions instead "
                             "(_build/assignments/NN_name/colab/)")
    parser.add_argument("chapters", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.assignments:
        for master in sorted((ROOT / "assignments").glob("*.ipynb")):
            out = assignment_edition(master, ROOT / "_build" / "assignments" / master.stem)
            print(f"wrote {out.relative_to(ROOT)}")
        return 0
    book, sha = index_book(), commit()
    paths = args.chapters or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        path = path.resolve()
        nb = edition(path, book, sha, args.outputs_from)
        target = args.out / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
