"""Make sphinx-exercise's ``hide_solutions`` work for solutions spread over several cells.

With ``hide_solutions: true``, sphinx-exercise 1.2.1 drops a ``solution-start`` directive but
keeps its ``solution-end`` node (which no HTML writer can render, so the build crashes) and the
cells between them (which would show the solution). Here ``solution-start`` leaves a marker
instead, and a transform removes everything from the marker to the matching ``solution-end``
before sphinx-exercise merges gated solutions. Without ``hide_solutions`` nothing changes.
tests/test_book.py builds the book both ways.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx_exercise.directive import SolutionStartDirective
from sphinx_exercise.nodes import solution_end_node


class hidden_solution_start(nodes.Element):  # noqa: N801 (docutils node naming)
    """Where a hidden solution began."""


class HiddenSolutionStart(SolutionStartDirective):
    def run(self):
        made = super().run()  # records the gate, as sphinx-exercise's structure check expects
        return [hidden_solution_start()] if self.env.app.config.hide_solutions else made


class RemoveHiddenSolutions(SphinxTransform):
    default_priority = 9  # before sphinx-exercise's MergeGatedSolutions (10)

    def apply(self):
        if not self.config.hide_solutions:
            return
        for start in list(self.document.findall(hidden_solution_start)):
            parent = start.parent
            first = parent.index(start)
            last = next(i for i in range(first, len(parent))
                        if isinstance(parent[i], solution_end_node))
            del parent[first:last + 1]


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", HiddenSolutionStart, override=True)
    app.add_transform(RemoveHiddenSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
