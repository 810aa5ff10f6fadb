"""Checks a student can run: does my loss agree with the book's, values and gradients?

``compare_loss(fn, name, "d" | "g")`` runs your function and ganlib's loss ``name`` on the same
inputs -- random outputs at three scales in float64, the ends of the loss's finite range in
float32 (logits of +-100 for the logistic losses; see ``losses.finite_range``), and a batch of
one -- and compares the values and the gradients with respect to every input. It reports what
differs (which inputs, value or which gradient, how many entries, how far off in coarse
bands, non-finite results) and never prints ganlib's numbers, so it says where to look without
giving the answer.
``compare(fn, reference, cases)`` does the same for any pair of functions of tensors.

For the implementation exercises whose answer is not a loss of ``losses.names()``:

- ``compare_penalty(fn, name, **params)``: a gradient penalty ``fn(critic, real, fake)``
  against ``penalties.get(name)``, on critics whose gradient norm is known and differs from
  sample to sample (per-sample norms, not one per batch or per pixel; chapter 6);
- ``compare_critic(f, real, fake)``: a critic built from optimal-transport potentials, against
  the exact W1 of POT's ``ot.emd2`` and the 1-Lipschitz bound (chapter 5);
- ``compare_pairing_hinge(fn)``: a relativistic pairing hinge loss on a finite set (chapter 7);
- ``compare_term(fn, name, part=None)``: a term of ``ganlib.terms`` (AC-GAN's classifier, its
  real-only variant, InfoGAN's information term with a fixed or a learned variance) on random
  discriminator outputs (chapters 8 and 9);
- ``compare_extragradient(fn)``: extragradient steps on the Dirac-GAN against steps built from
  ``dynamics.vector_field`` (chapter 10);
- ``compare_sharding(fn)``: a split of a study's blocks into shards, against a greedy
  reference's busiest shard, every block once (chapter 11).

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

import numpy as np
import torch

from ganlib import losses, penalties, terms
from ganlib.conditioning import ClassLabels, Inputs, LatentCodes

_BANDS = ((1e-3, "by less than 0.1%: a precision problem?"), (0.1, "by less than 10%"),
          (1.0, "by less than 100%"), (float("inf"), "by more than 100%"))


@dataclass
class Report:
    """The outcome of a comparison: ``ok`` and one sentence per problem found."""

    name: str
    cases: int
    problems: list[str] = field(default_factory=list)
    checked: str = "values and gradients"  # what "agree" covers, for the printed sentence

    @property
    def ok(self) -> bool:
        return not self.problems

    def __repr__(self) -> str:
        if self.ok:
            return f"{self.name}: all {self.cases} cases agree ({self.checked})"
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
            name: str | None = None, arg_names: Sequence[str] | None = None) -> Report:
    """Compare ``fn(*inputs)`` with ``reference(*inputs)`` for each named case: values and the
    gradients with respect to every input (both must return a tensor). Tolerances default to
    1e-6 relative in float64 and 1e-4 in lower precision (atol the same over the batch size).
    ``arg_names`` names the inputs in the report (default "argument 1", "argument 2", ...).
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
                arg = arg_names[k] if arg_names else f"argument {k + 1}"
                report.problems.append(f"on {what}: the gradient with respect to {arg} {how}")
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



# ------------------------------------------------------------------ penalties (chapter 6)


def _scaled_linear_critic(w: torch.Tensor, scales: torch.Tensor):
    """critic(x)_i = scales_i * <w, x_i>: its gradient at sample i is scales_i * w wherever x_i
    is, so its per-sample norm |scales_i| * |w| does not depend on random draws."""
    def critic(x):
        if len(x) != len(scales):
            raise ValueError(f"this check's critic scores batches of {len(scales)} samples "
                             f"(the real batch's size), got {len(x)}")
        return scales * (x.flatten(1) @ w)
    return critic


def penalty_cases(name: str, seed: int = 0) -> dict[str, list[torch.Tensor]]:
    """The inputs :func:`compare_penalty` uses: [w, scales, real, fake] per case."""
    gen = torch.Generator().manual_seed(seed)

    def draw(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    def unit(d):
        w = draw(d)
        return w / w.norm()

    minimum = 2 if name == "dragan" else 1  # DRAGAN's std(x) needs two samples
    cases = {}
    if minimum == 1:
        cases["a batch of one, norm 1.7 (float64)"] = [
            1.7 * unit(2), torch.ones(1, dtype=torch.float64), draw(1, 2), draw(1, 2)]
    cases["a batch of 2 with the same norm 0.6 (float64)"] = [
        0.6 * unit(2), torch.ones(2, dtype=torch.float64), draw(2, 2), draw(2, 2)]
    scales = torch.tensor([0.2, 0.5, -0.8, 1.0, 1.3, -1.9, 2.5, 3.0], dtype=torch.float64)
    cases["a batch of 8 with norms from 0.2 to 3 (float64)"] = [unit(2), scales, draw(8, 2),
                                                                 draw(8, 2)]
    cases["images (4, 1, 3, 3), norms from 0.5 to 2 (float64)"] = [
        unit(9), torch.tensor([0.5, -0.9, 1.4, 2.0], dtype=torch.float64), draw(4, 1, 3, 3),
        draw(4, 1, 3, 3)]
    return cases


def compare_penalty(fn: Callable, name: str, **params) -> Report:
    """Compare your per-sample gradient penalty ``fn(critic, real, fake, **params)`` with
    ``penalties.get(name, **params)`` (``penalties.names()``: gp, lp, dragan, r1, r2, r1r2).

    The critics are linear in each sample, ``critic(x)_i = s_i <w, x_i>``, so the gradient norm
    at sample i is ``|s_i| |w|`` wherever the penalty evaluates it: the comparison does not
    depend on the random points (interpolates, perturbations) your function draws, and it does
    not check where they are (check that separately). It does check one norm per sample (not
    one per batch, nor one per pixel of an image), the target ``k`` and the one-sidedness, the
    batch mean, batches of one and several, and the gradients of the penalty with respect to
    the critic's weights ``w`` and ``s`` (so a gradient taken without ``create_graph=True``,
    which training cannot backpropagate through, is reported).
    """
    reference = penalties.get(name, **params)

    def mine(w, scales, real, fake):
        return fn(_scaled_linear_critic(w, scales), real, fake, **params)

    def theirs(w, scales, real, fake):
        return reference(_scaled_linear_critic(w, scales), real, fake)

    return compare(mine, theirs, penalty_cases(name), name=getattr(fn, "__name__", None),
                   arg_names=["the critic's weights w", "the critic's scales s",
                              "the real batch", "the fake batch"])


# ------------------------------------------------------- optimal critics (chapter 5)


def compare_critic(f: Callable, real, fake, *, points: int = 1000, seed: int = 0) -> Report:
    """Check a critic ``f`` built to be optimal for W1 between the samples ``real`` and ``fake``
    (arrays or tensors of shape (n, d), equal weights): ``f`` takes an (m, d) float64 numpy
    array and returns m values (numpy or torch).

    Three things must hold: ``mean f(real) - mean f(fake)`` equals W1 (computed exactly with
    POT's ``ot.emd2``; never printed); ``f`` is 1-Lipschitz between every pair of the samples
    and ``points`` random points around them (and far away); and its slope, by central finite
    differences at random points in random directions, is at most 1 (a critic's gradient).
    """
    import ot

    report = Report(getattr(f, "__name__", "your critic"), 3,
                    checked="the gap against W1, the Lipschitz bound and the slope")
    x = np.asarray(torch.as_tensor(real).detach().cpu().double())
    y = np.asarray(torch.as_tensor(fake).detach().cpu().double())
    rng = np.random.default_rng(seed)
    lo, hi = np.minimum(x.min(0), y.min(0)), np.maximum(x.max(0), y.max(0))
    around = lo + (hi - lo) * rng.uniform(-0.5, 1.5, size=(points, x.shape[1]))
    far = (x.mean(0) + 100.0 * (hi - lo).max() * rng.standard_normal((8, x.shape[1])))

    def values(z, what):
        try:
            out = f(np.array(z))
        except Exception as err:  # the student's code: report, do not crash the check
            report.problems.append(f"on {what}: raised {type(err).__name__}: {err}")
            return None
        out = np.asarray(torch.as_tensor(out).detach().cpu().double()).reshape(-1)
        if out.shape != (len(z),):
            report.problems.append(f"on {what}: returned {out.size} values for {len(z)} points")
            return None
        if not np.isfinite(out).all():
            report.problems.append(f"on {what}: not finite at {int((~np.isfinite(out)).sum())} "
                                   f"of {len(z)} points")
            return None
        return out

    fx, fy = values(x, "the real samples"), values(y, "the fake samples")
    if fx is not None and fy is not None:
        gap = fx.mean() - fy.mean()
        w1 = ot.emd2(np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y)),
                     ot.dist(x, y, metric="euclidean"))
        how = _differs(torch.tensor(gap), torch.tensor(w1), 1e-6, 1e-9)
        if how:
            report.problems.append(f"mean f(real) - mean f(fake), which should be W1, {how}")
    both = np.vstack([x, y, around, far])
    fb = values(both, "points around the samples and far away")
    if fb is not None:
        dist = np.linalg.norm(both[:, None] - both[None], axis=2)
        steep = np.abs(fb[:, None] - fb[None]) > dist * (1 + 1e-9) + 1e-9
        if steep.any():
            pairs = len(both) * (len(both) - 1) // 2
            report.problems.append(f"not 1-Lipschitz: steeper than 1 between "
                                   f"{int(steep.sum()) // 2} of {pairs} pairs of points")
    h, start = 1e-5, around[:500]
    u = rng.standard_normal(start.shape)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    ahead, back = values(start + h * u, "points for the slope"), values(start - h * u, "points")
    if ahead is not None and back is not None:
        slope = np.abs(ahead - back) / (2 * h)
        if (slope > 1 + 1e-4).any():
            report.problems.append(f"its slope (by finite differences) exceeds 1 at "
                                   f"{int((slope > 1 + 1e-4).sum())} of {len(start)} points")
    return report


# -------------------------------------------------- the pairing hinge loss (chapter 7)


def _pairing_hinge(d, p, q):
    """sum_{x, y} p(x) q(y) max(0, 1 - (D(x) - D(y))), the reference of compare_pairing_hinge."""
    return (p[:, None] * q[None, :] * torch.relu(1 - (d[:, None] - d[None, :]))).sum()


def compare_pairing_hinge(fn: Callable, seed: int = 0) -> Report:
    """Compare your ``fn(d, p, q)``, the relativistic pairing hinge loss of the discriminator
    on a finite set, ``sum over x, y of p(x) q(y) max(0, 1 - (D(x) - D(y)))`` with ``d`` the
    values of D and ``p``, ``q`` the two distributions (float64 tensors of one length), with a
    reference: values and gradients with respect to d, p and q, on random values of D at
    three scales, a point where p or q vanishes, outputs of +-100, and a set of one point.
    """
    gen = torch.Generator().manual_seed(seed)

    def simplex(n, zero=None):
        w = torch.rand(n, generator=gen, dtype=torch.float64) + 0.1
        if zero is not None:
            w[zero] = 0.0
        return w / w.sum()

    p4 = torch.tensor([1, 2, 3, 6], dtype=torch.float64) / 12
    q4 = torch.tensor([3, 4, 2, 3], dtype=torch.float64) / 12
    cases = {f"random D of scale {s} on chapter 7's four points (float64)":
             [s * torch.randn(4, generator=gen, dtype=torch.float64), p4, q4]
             for s in (0.3, 1.0, 5.0)}
    cases["p = 0 at one point and q = 0 at another (float64)"] = [
        torch.randn(6, generator=gen, dtype=torch.float64), simplex(6, 0), simplex(6, 5)]
    cases["outputs of -100 and +100 (float64)"] = [
        torch.tensor([-100.0, 100.0, -99.5, 0.25], dtype=torch.float64), simplex(4), simplex(4)]
    cases["one point (float64)"] = [torch.tensor([0.4], dtype=torch.float64),
                                    torch.ones(1, dtype=torch.float64),
                                    torch.ones(1, dtype=torch.float64)]
    return compare(fn, _pairing_hinge, cases, arg_names=["d", "p", "q"])


# ---------------------------------------------------------- terms (chapters 8 and 9)

_CLASSES, _CODES, _CONTINUOUS = 10, 10, 2


def _class_d(s):
    return (losses.auxiliary_class_loss(s.real_out["class"], s.inputs.labels)
            + losses.auxiliary_class_loss(s.fake_out["class"], s.inputs.labels))


def _learned_information(min_log_std):
    def both(s):
        log_std = s.fake_out["code_log_std"].clamp(min=min_log_std)
        return (losses.info_categorical_loss(s.fake_out["code_logits"], s.inputs.categorical)
                + losses.info_gaussian_loss(s.fake_out["code_mean"], s.inputs.continuous,
                                            log_std))
    return both


def _term_reference(name: str, min_log_std: float) -> terms.Term:
    labels, codes = ClassLabels(_CLASSES, to_discriminator=False), LatentCodes(_CODES, _CONTINUOUS)
    if name == "classifier":
        return terms.get("classifier", 1.0, labels)
    if name == "classifier-real-only":
        ganlib_term = terms.get("classifier", 1.0, labels)
        return terms.Term(name, 1.0, d=lambda s: losses.auxiliary_class_loss(
            s.real_out["class"], s.inputs.labels), g=ganlib_term.g, heads=ganlib_term.heads)
    if name == "information":
        return terms.get("information", 1.0, codes)
    if name == "information-learned":
        both = _learned_information(min_log_std)
        return terms.Term("information", 1.0, d=both, g=both,
                          heads={"code_logits": _CODES, "code_mean": _CONTINUOUS,
                                 "code_log_std": _CONTINUOUS})
    raise ValueError(f"unknown term {name!r}; choose one of: classifier, classifier-real-only, "
                     "information, information-learned")


_TERM_INPUTS = {  # name: the discriminator outputs the term reads, in the order of the cases
    "classifier": ["real_out['class']", "fake_out['class']"],
    "information": ["fake_out['code_logits']", "fake_out['code_mean']"],
}
_TERM_INPUTS["classifier-real-only"] = _TERM_INPUTS["classifier"]
_TERM_INPUTS["information-learned"] = _TERM_INPUTS["information"] + ["fake_out['code_log_std']"]


def term_cases(name: str, min_log_std: float = -4.0, seed: int = 0) -> dict[str, list]:
    """The inputs :func:`compare_term` uses: the head outputs of ``_TERM_INPUTS[name]``, then
    the targets (class labels, or the categorical and continuous codes) as floats."""
    gen = torch.Generator().manual_seed(seed)
    classes = name.startswith("classifier")

    def case(n, scale, dtype=torch.float64, log_std=None):
        def draw(*shape):
            return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).to(dtype)
        if classes:
            heads = [draw(n, _CLASSES), draw(n, _CLASSES)]
            targets = [torch.randint(_CLASSES, (n,), generator=gen).to(dtype)]
        else:
            heads = [draw(n, _CODES), draw(n, _CONTINUOUS)]
            if name == "information-learned":
                heads.append(log_std if log_std is not None else
                             (torch.rand(n, _CONTINUOUS, generator=gen, dtype=torch.float64)
                              * 5 - 3).to(dtype))
            targets = [torch.randint(_CODES, (n,), generator=gen).to(dtype),
                       (2 * torch.rand(n, _CONTINUOUS, generator=gen, dtype=torch.float64)
                        - 1).to(dtype)]
        return heads + targets

    cases = {f"random outputs of scale {s} (float64)": case(64, s) for s in (0.5, 3.0)}
    cases["outputs of scale 100 (float32)"] = case(64, 100.0, torch.float32)
    if name == "information-learned":
        cases["log standard deviations far below the floor (float64)"] = case(
            16, 1.0, log_std=torch.full((16, _CONTINUOUS), min_log_std - 20.0,
                                        dtype=torch.float64))
    cases["a batch of one (float64)"] = case(1, 1.0)
    return cases


def _step_from(name: str, tensors) -> terms.Step:
    """A terms.Step holding the case's head outputs and targets (what a term reads)."""
    n_heads = len(_TERM_INPUTS[name])
    heads, targets = tensors[:n_heads], tensors[n_heads:]
    n = len(heads[0])
    if name.startswith("classifier"):
        real_out = {"score": torch.zeros(n, dtype=heads[0].dtype), "class": heads[0]}
        fake_out = {"score": torch.zeros(n, dtype=heads[0].dtype), "class": heads[1]}
        inputs = Inputs(torch.zeros(n, 2), torch.zeros(n, 2), labels=targets[0].long())
    else:
        real_out = {"score": torch.zeros(n, dtype=heads[0].dtype)}
        fake_out = {"score": torch.zeros(n, dtype=heads[0].dtype), "code_logits": heads[0],
                    "code_mean": heads[1], **({"code_log_std": heads[2]} if n_heads == 3 else {})}
        inputs = Inputs(torch.zeros(n, 2), torch.zeros(n, 2),
                        categorical=targets[0].long(), continuous=targets[1])
    return terms.Step(inputs, torch.zeros(n, 2, dtype=heads[0].dtype), real_out, fake_out, None)


def compare_term(fn, name: str, part: str | None = None, *, min_log_std: float = -4.0) -> Report:
    """Compare your term with the reference ``name`` on random discriminator outputs:

    - ``"classifier"``: AC-GAN's class term of ``ganlib.terms`` (cross-entropy on the real and
      the generated batch for D, on the generated batch for G);
    - ``"classifier-real-only"``: the same with D's part on the real batch only;
    - ``"information"``: InfoGAN's term of ``ganlib.terms`` (categorical cross-entropy plus a
      unit-variance Gaussian for the continuous codes, on both sides);
    - ``"information-learned"``: the same with a learned log standard deviation, a head
      ``code_log_std`` of width 2 clamped below at ``min_log_std``.

    ``fn`` is either a ``terms.Term`` (its D part, G part and heads are all compared) or one
    function of a ``terms.Step`` with ``part`` ``"d"`` or ``"g"`` saying which side it is. The
    steps hold a batch of class logits (10 classes) or InfoGAN heads (a categorical code of 10
    values, 2 continuous codes), and the gradients compared are those with respect to every
    head output the reference or your term reads.
    """
    reference = _term_reference(name, min_log_std)
    if isinstance(fn, terms.Term):
        parts = {"d": fn.d, "g": fn.g}
        label = f"the {fn.name!r} term"
    elif part in ("d", "g"):
        parts = {part: fn}
        label = getattr(fn, "__name__", "your function")
    else:
        raise ValueError("give a terms.Term, or a function of a Step with part='d' or 'g'")
    cases = term_cases(name, min_log_std)
    report = Report(label, 0)
    for side, mine in parts.items():
        theirs = reference.d if side == "d" else reference.g
        if (mine is None) != (theirs is None):
            report.problems.append(f"the {side.upper()} part is "
                                   + ("missing" if mine is None else "there but should not be"))
            continue
        if mine is None:
            continue
        part_report = compare(lambda *t, f=mine: f(_step_from(name, t)),
                              lambda *t, f=theirs: f(_step_from(name, t)), cases,
                              arg_names=_TERM_INPUTS[name] + ["the targets"] * 2)
        report.cases += part_report.cases
        report.problems += [f"{side.upper()} part, {p}" for p in part_report.problems]
    if isinstance(fn, terms.Term) and dict(fn.heads) != dict(reference.heads):
        report.problems.append(f"its heads {sorted(fn.heads.items())} are not the ones the "
                               f"term reads, {sorted(reference.heads.items())}")
    return report


# --------------------------------------------------- extragradient (chapter 10)


def _extragradient(loss, theta, psi, lr, steps):
    from ganlib import dynamics
    path = [(float(theta), float(psi))]
    for _ in range(steps):
        z = path[-1]
        v = dynamics.vector_field(loss, *z)
        half = (z[0] + lr * float(v[0]), z[1] + lr * float(v[1]))
        v = dynamics.vector_field(loss, *half)
        path.append((z[0] + lr * float(v[0]), z[1] + lr * float(v[1])))
    return torch.tensor(path, dtype=torch.float64)


def compare_extragradient(fn: Callable) -> Report:
    """Compare your ``fn(loss, theta, psi, lr=..., steps=...)``, extragradient steps on the
    Dirac-GAN returning the path as an array of shape (steps + 1, 2) with the start in row 0,
    with steps built from ``dynamics.vector_field``: minimax, non-saturating and WGAN, from
    two starts, steps of 0.2 and 0.05, 0, 1 and 40 steps. (The path is a number array: no
    gradients to compare.)
    """
    report = Report(getattr(fn, "__name__", "your function"), 0, checked="the paths")
    for loss in ("minimax", "nonsaturating", "wgan"):
        for (theta, psi), lr, steps in (((1.0, 1.0), 0.2, 40), ((-0.5, 2.0), 0.05, 40),
                                        ((1.0, 1.0), 0.2, 1), ((0.3, -0.7), 0.2, 0)):
            what = f"{loss} from ({theta:g}, {psi:g}), {steps} steps of {lr:g}"
            report.cases += 1
            try:
                got = torch.as_tensor(np.asarray(fn(loss, theta, psi, lr=lr, steps=steps),
                                                 dtype=float))
            except Exception as err:  # the student's code: report, do not crash the check
                report.problems.append(f"on {what}: raised {type(err).__name__}: {err}")
                continue
            how = _differs(got, _extragradient(loss, theta, psi, lr, steps), 1e-9, 1e-12)
            if how:
                report.problems.append(f"on {what}: the path {how}")
    return report


# --------------------------------------------- shards balanced by cost (chapter 11)


def _greedy_shards(costs: dict, n: int) -> list[list]:
    """Longest processing time first, the reference of :func:`compare_sharding`: the blocks
    by decreasing cost (ties in their given order), each to the shard with the least work so
    far (the first such shard on ties)."""
    shards, loads = [[] for _ in range(n)], [0.0] * n
    for block in sorted(costs, key=lambda b: -costs[b]):
        k = loads.index(min(loads))
        shards[k].append(block)
        loads[k] += costs[block]
    return shards


def sharding_cases(seed: int = 0) -> dict[str, tuple[dict, int]]:
    """The cases of :func:`compare_sharding`: name -> (costs {block: seconds}, n shards)."""
    rng = np.random.default_rng(seed)
    study_like = {(r, d): float(rng.lognormal(3.0, 0.3)) * (6.0 if r == "wgan-gp" else 1.0)
                  for r in ("nsgan", "lsgan", "wgan-gp", "hinge", "ebgan", "r1")
                  for d in ("ring", "grid")}  # a few blocks several times dearer (n_critic 5)
    spread = {f"block {i}": float(rng.lognormal(3.0, 1.0)) for i in range(40)}
    return {
        "twelve study-like blocks, 2 shards": (study_like, 2),
        "twelve study-like blocks, 4 shards": (study_like, 4),
        "40 blocks of widely spread costs, 3 shards": (spread, 3),
        "40 blocks of widely spread costs, 8 shards": (spread, 8),
        "five blocks listed cheapest first, 2 shards": (dict(c=3.0, d=3.0, e=3.0, b=4.0, a=5.0),
                                                        2),
        "twelve blocks of equal cost, 5 shards": ({f"b{i}": 1.0 for i in range(12)}, 5),
        "three blocks, 5 shards (two stay empty)": (dict(x=2.0, y=1.0, z=0.5), 5),
        "one shard": (spread, 1),
    }


def compare_sharding(fn: Callable, seed: int = 0) -> Report:
    """Check your ``fn(costs, n)``, which splits a study's blocks into ``n`` shards by cost.

    ``costs`` maps each block (any hashable: a (recipe, data) pair in a study) to its cost in
    seconds; ``fn`` returns ``n`` lists of blocks, one per shard (empty lists where a shard
    gets nothing). On every case of :func:`sharding_cases` (study-like costs, widely spread
    costs, blocks listed cheapest first, ties, more shards than blocks, one shard) it checks
    that there are ``n`` shards, that every block is in exactly one of them (none missing, none
    twice, none unknown), and that the busiest shard -- the sum of its blocks' costs, the time
    the sharded study takes -- carries no more than the busiest shard of the greedy rule
    "most expensive block first, to the shard with the least work so far" (Graham 1969:
    within 4/3 - 1/(3n) of the best possible). A rule that does better passes too. The
    reference's loads are never printed, only how far above them yours is, in coarse bands.

    Chapter 11, "Exercises" (shards balanced by cost); test:
    tests/test_checks.py::test_compare_sharding_passes_greedy_and_catches_typical_mistakes.
    """
    cases = sharding_cases(seed)
    report = Report(getattr(fn, "__name__", "your function"), len(cases),
                    checked="every block in one shard; the busiest shard's load")
    for what, (costs, n) in cases.items():
        try:
            got = [list(shard) for shard in fn(dict(costs), n)]
        except Exception as err:  # the student's code: report, do not crash the check
            report.problems.append(f"on {what}: raised {type(err).__name__}: {err}")
            continue
        if len(got) != n:
            report.problems.append(f"on {what}: returned {len(got)} shards, expected {n}")
            continue
        placed = [b for shard in got for b in shard]
        unknown = [b for b in placed if b not in costs]
        twice = {b for b in placed if b in costs and placed.count(b) > 1}
        missing = [b for b in costs if b not in placed]
        for count, how in ((len(missing), "in no shard"), (len(twice), "in more than one shard")):
            if count:
                report.problems.append(f"on {what}: {count} of {len(costs)} blocks {how}")
        if unknown:
            report.problems.append(f"on {what}: {len(unknown)} of the entries returned "
                                   f"{'is' if len(unknown) == 1 else 'are'} not blocks of the "
                                   "study")
        if missing or twice or unknown:
            continue
        busiest = max(sum(costs[b] for b in shard) for shard in got)
        best = max(sum(costs[b] for b in shard) for shard in _greedy_shards(costs, n))
        if busiest > best * (1 + 1e-9):
            far = next(b for limit, b in _BANDS if (busiest - best) / best < limit)
            report.problems.append(f"on {what}: the busiest shard carries more than the greedy "
                                   f"rule's busiest shard ({far})")
    return report
