"""Checks a student can run: does my loss agree with the book's, values and gradients?

``compare_loss(fn, name, "d" | "g")`` runs your function and ganlib's loss ``name`` on the same
inputs -- random outputs at three scales in float64, the ends of the loss's finite range in
float32 (logits of +-100 for the logistic losses; see ``losses.finite_range``), and a batch of
one -- and compares the values and the gradients with respect to every input. It reports what
differs (which inputs, value or which gradient, how many entries, how far off in coarse
bands, non-finite results) and never prints ganlib's numbers, so it says where to look without
giving the answer.
``compare(fn, reference, cases)`` does the same for any pair of functions of tensors.

    >>> from ganlib import checks
    >>> checks.compare_loss(my_nonsaturating_g_loss, "nonsaturating", "g")
    my_nonsaturating_g_loss: all 5 cases agree (values and gradients)

The return value is a :class:`Report`; ``report.ok`` is True when every case agrees. It is
for students checking their own implementation exercises; the graded assignments
(assignments/) grade with hidden tests of their own, not with this module. Test:
tests/test_checks.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ganlib import losses

_BANDS = ((1e-3, "by less than 0.1%: a precision problem?"), (0.1, "by less than 10%"),
          (1.0, "by less than 100%"), (float("inf"), "by more than 100%"))


@dataclass
class Report:
    """The outcome of a comparison: ``ok`` and one sentence per problem found."""

    name: str
    cases: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:
        if self.ok:
            return f"{self.name}: all {self.cases} cases agree (values and gradients)"
        lines = [f"{self.name}: {len(self.problems)} problem(s) in {self.cases} cases"]
        return "\n".join(lines + [f"  - {p}" for p in self.problems])


def _differs(got: torch.Tensor, want: torch.Tensor, rtol: float, atol: float) -> str | None:
    """A description of how ``got`` differs from ``want`` (without ``want``'s values), or None."""
    if got.shape != want.shape:
        return f"has shape {tuple(got.shape)}, expected {tuple(want.shape)}"
    got, want = got.detach().double(), want.detach().double()
    bad = ~torch.isfinite(got) & torch.isfinite(want)
    if bool(bad.any()):
        return f"is not finite at {int(bad.sum())} of {got.numel()} entries"
    extra = torch.isfinite(got) & ~torch.isfinite(want)
    if bool(extra.any()):
        return f"is finite at {int(extra.sum())} of {got.numel()} entries where it should not be"
    off = (got - want).abs() > atol + rtol * want.abs()
    if not bool(off.any()):
        return None
    # How far, in coarse bands only: an exact relative difference and your own value would
    # give the reference's value away.
    worst = ((got - want).abs() / want.abs().clamp(min=atol))[off].max().item()
    far = next((b for limit, b in _BANDS if worst < limit), _BANDS[-1][1])
    sign = bool((torch.sign(got) != torch.sign(want))[off].any())
    if got.numel() == 1:
        return f"differs ({far}{'; the sign differs' if sign else ''})"
    return (f"differs at {int(off.sum())} of {got.numel()} entries (at worst {far}"
            f"{'; some signs differ' if sign else ''})")


def compare(fn: Callable, reference: Callable, cases: dict[str, Sequence[torch.Tensor]], *,
            rtol: float | None = None, atol: float | None = None,
            name: str | None = None) -> Report:
    """Compare ``fn(*inputs)`` with ``reference(*inputs)`` for each named case: values and the
    gradients with respect to every input (both must return a tensor). Tolerances default to
    1e-6 relative in float64 and 1e-4 in lower precision (atol the same over the batch size).
    """
    name = name or getattr(fn, "__name__", "your function")
    report = Report(name, len(cases))
    for what, inputs in cases.items():
        low = any(x.dtype != torch.float64 for x in inputs)
        r = rtol if rtol is not None else (1e-4 if low else 1e-6)
        a = atol if atol is not None else r / max(1, inputs[0].numel())
        got_in = [x.detach().clone().requires_grad_(True) for x in inputs]
        want_in = [x.detach().clone().requires_grad_(True) for x in inputs]
        try:
            got = fn(*got_in)
        except Exception as err:  # the student's code: report, do not crash the check
            report.problems.append(f"on {what}: raised {type(err).__name__}: {err}")
            continue
        want = reference(*want_in)
        if not isinstance(got, torch.Tensor):
            report.problems.append(f"on {what}: returned {type(got).__name__}, not a tensor")
            continue
        how = _differs(got, want, r, a)
        if how:
            report.problems.append(f"on {what}: the value {how}")
            continue
        if not got.requires_grad:
            report.problems.append(f"on {what}: the value does not depend differentiably on "
                                   "the inputs (a .detach(), .item() or numpy on the way?)")
            continue
        got_g = torch.autograd.grad(got.sum(), got_in, allow_unused=True)
        want_g = torch.autograd.grad(want.sum(), want_in, allow_unused=True)
        for k, (g, w) in enumerate(zip(got_g, want_g)):
            g = torch.zeros_like(got_in[k]) if g is None else g
            w = torch.zeros_like(want_in[k]) if w is None else w
            how = _differs(g, w, r, a)
            if how:
                report.problems.append(f"on {what}: the gradient with respect to argument "
                                       f"{k + 1} {how}")
    return report


def loss_cases(name: str, which: str, seed: int = 0) -> dict[str, list[torch.Tensor]]:
    """The inputs :func:`compare_loss` uses: raw outputs for D's loss (real, fake) or G's
    loss (fake, plus real for the relativistic losses), at random and at the range's ends."""
    gen = torch.Generator().manual_seed(seed)
    loss = losses.get(name)
    n_args = 2 if which == "d" or loss.g_needs_real else 1
    ends = losses.finite_range(name, torch.float32)  # the real and the fake outputs' ranges
    energy = name == "ebgan"

    def draw(scale):
        x = scale * torch.randn(64, generator=gen, dtype=torch.float64)
        return x.abs() if energy else x

    def edge(side, flip):
        x = torch.linspace(*ends[side], 11, dtype=torch.float32)
        return x.flip(0) if flip else x

    cases = {f"random outputs of scale {s} (float64)": [draw(s) for _ in range(n_args)]
             for s in (0.5, 3.0, 10.0)}
    if n_args == 2:  # each side's extremes meet moderate outputs on the other side
        cases["outputs at the ends of the finite range (float32)"] = [
            edge("real", False), edge("fake", not energy)]
    else:
        cases["outputs at the ends of the finite range (float32)"] = [edge("fake", False)]
    cases["a batch of one (float64)"] = [torch.full((1,), 0.3, dtype=torch.float64)] * n_args
    if which == "g" and n_args == 2:  # ganlib's g_loss(fake, real): keep that order
        cases = {k: v[::-1] for k, v in cases.items()}
    return cases


def compare_loss(fn: Callable, name: str, which: str = "g", **params) -> Report:
    """Compare your loss ``fn`` with ganlib's loss ``name`` (``losses.names()``), D's
    (``which="d"``, ``fn(real, fake)``) or G's (``which="g"``, ``fn(fake)``, or
    ``fn(fake, real)`` for the relativistic losses); ``params`` go to ``losses.get``.
    """
    if which not in ("d", "g"):
        raise ValueError(f"which must be 'd' (the discriminator's loss) or 'g', got {which!r}")
    loss = losses.get(name, **params)
    reference = loss.d_loss if which == "d" else (
        (lambda fake, real: loss.g_loss(fake, real)) if loss.g_needs_real else loss.g_loss)
    return compare(fn, reference, loss_cases(name, which))
