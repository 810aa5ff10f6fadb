"""Ensembles: E independent runs of one recipe, trained in one process as one batched model.

    ens = build("nsgan", "ring", seeds=range(16), steps=2000)   # 16 runs, seeds 0-15
    result = train(ens)           # per-member histories, final metrics, failures, seconds
    gan = ens.member(3)           # the run of seeds[3] as a ganlib.train.GAN (evaluate, sample)

Member i is the run ``ganlib.train.build(recipe, data, seed=seeds[i], ...)``: its networks start
from that run's initial weights, and at every step it draws its real batch, its noise and its
penalty's randomness from that run's own random stream (``gan.rng``), in the order a single
run draws them. So it receives the updates it would receive trained alone by
:func:`ganlib.train.train`, up to rounding: a batched matrix product sums in another order than
a single one (tests/test_ensemble.py compares every member with its single run).

How. The members' weight matrices are stacked, (E, in, out), and each layer is one batched
matrix product h = act(b + h W) (``torch.baddbmm``) on activations of shape (E, N, width). Each
member's loss is ganlib's own loss function on that member's outputs (``torch.func.vmap``);
the members' losses are summed and back-propagated once: nothing mixes members, so member i's
weights receive member i's gradient alone. One optimiser step then updates the whole stack;
Adam, RMSProp and SGD act element by element, so that is each member's own update.

What batches: unconditional recipes on the MLPs of :mod:`ganlib.models` (Generator;
Discriminator without heads or projection; EBGAN's AutoencoderEnergy), on the 2-D toys and the
8x8 digits -- every loss, the penalties gp, lp, dragan, r1, r2 and r1r2, EBGAN's pulling-away
term, weight clipping, n_critic, simultaneous updates, every optimiser and the learning-rate
decay. What does not (spectral normalisation, so the hinge preset; class labels, so cgan,
projection and acgan; InfoGAN's codes; the DCGAN pair for 28x28 images) trains the members one
after another through :func:`ganlib.train.train` instead: :func:`build` warns, and
``ens.reason`` (and ``result.reason``) says why. Each member's random draws are taken one
member at a time (a ``torch.Generator`` draws for one stream), a small cost beside the
batched products.

The extra terms are the recipe's own (:mod:`ganlib.terms`), called on one stacked
:class:`ganlib.terms.Step` (``stacked=True``) as train.py calls them on a run's step: a
penalty is ganlib.penalties' own in its stacked mode, each member drawing from its own stream
(tests/test_penalties.py checks it member by member), EBGAN's pulling-away term ganlib.losses'
own under vmap. A recipe batches when each of its terms has such a stacked form
(``Term.stacked``).

Non-finite values: each member's loss terms and gradient are checked before every update and
its weights after it, as in a single run. A member that fails is stopped and reported
(``result.failures[i]``, a :class:`ganlib.train.NonFiniteLossError` naming the step and the
term) while the others go on. It keeps the weights and optimiser state from before the failing
update and its random stream from before the failing step; when the failure comes after D's
first update of that step (a later critic update, or G's update), D has already taken that
step's update(s) -- a single run would restore them too, but an ensemble does not copy every
member's state at every step (the message says which case it is).

Time: ``result.seconds`` is the ensemble's wall time; the per-member time,
``result.seconds_per_member`` and each member's ``history.seconds``, is defined as the
ensemble's seconds divided by its number of members.

Chapter 11, "The protocol", runs its loss study through it; tests: tests/test_ensemble.py;
speed: bench/ensemble.py.
"""

from __future__ import annotations

import copy
import os
import time
import warnings
from dataclasses import dataclass, field
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from tqdm.auto import tqdm

from ganlib import data as datasets
from ganlib import terms
from ganlib import train as single
from ganlib.conditioning import Inputs
from ganlib.models import AutoencoderEnergy, Discriminator, Generator
from ganlib.train import NonFiniteLossError

_ACTIVATIONS = {
    nn.ReLU: lambda m: partial(F.relu, inplace=True),
    nn.LeakyReLU: lambda m: partial(F.leaky_relu, negative_slope=m.negative_slope, inplace=True),
    nn.Tanh: lambda m: torch.tanh,
}


class Unbatchable(ValueError):
    """A run that :class:`Stack` and the batched step cannot represent; the message says why."""


# ------------------------------------------------------------------------ stacked networks


class Stack(nn.Module):
    """E copies of one MLP, stacked: x (E, N, in) -> (E, N, out).

    ``nets`` holds each member's layers (Linear, ReLU, LeakyReLU, Tanh), the same kinds in the
    same order. Layer k is h = act(b_k + h W_k) with W_k (E, in, out), the members' weights
    transposed, and b_k (E, 1, out). ``linears[k]`` keeps the members' own Linear modules.
    """

    def __init__(self, nets: list[list[nn.Module]]):
        super().__init__()
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        self.acts, self.linears = [], []
        for layers in zip(*nets, strict=True):
            first = layers[0]
            if type(first) is nn.Linear and first.bias is not None and not any(
                    parametrize.is_parametrized(m) for m in layers):
                self.weights.append(nn.Parameter(torch.stack([m.weight.detach().T
                                                              for m in layers]).contiguous()))
                self.biases.append(nn.Parameter(torch.stack([m.bias.detach()[None]
                                                             for m in layers])))
                self.acts.append(None)
                self.linears.append(layers)
            elif type(first) in _ACTIVATIONS and self.acts and self.acts[-1] is None:
                self.acts[-1] = _ACTIVATIONS[type(first)](first)
            else:
                kind = ("a spectrally normalised layer" if parametrize.is_parametrized(first)
                        else f"a {type(first).__name__} layer")
                raise Unbatchable(f"{kind} is not batched")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for w, b, act in zip(self.weights, self.biases, self.acts):
            x = torch.baddbmm(b, x, w)
            if act is not None:
                x = act(x)
        return x

    def pairs(self) -> list[tuple[torch.Tensor, str]]:
        """The stacked parameters in a member network's parameter order: (tensor, "w" | "b")."""
        return [pair for w, b in zip(self.weights, self.biases) for pair in ((w, "w"), (b, "b"))]


def _member_view(t: torch.Tensor, i: int, kind: str) -> torch.Tensor:
    """Member i's slice of a stacked weight ("w", stored transposed) or bias ("b")."""
    return t[i].T if kind == "w" else t[i, 0]


class StackedGenerator(nn.Module):
    """E :class:`ganlib.models.Generator` s as one: z (E, N, z_dim) -> x (E, N, data_dim)."""

    def __init__(self, gens: list[nn.Module]):
        super().__init__()
        if type(gens[0]) is not Generator:
            raise Unbatchable(f"a {type(gens[0]).__name__} generator is not batched")
        if gens[0].cond_dim:
            raise Unbatchable("a conditional generator is not batched")
        self.net = Stack([list(g.net) for g in gens])
        self.tanh = isinstance(gens[0].out, nn.Tanh)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z)
        return torch.tanh(x) if self.tanh else x

    def pairs(self) -> list:
        return self.net.pairs()


class StackedDiscriminator(nn.Module):
    """E discriminators as one: x (E, N, d) -> {"score": (E, N)} (and EBGAN's "code").

    A :class:`ganlib.models.Discriminator` without heads, conditioning or spectral norm, or an
    :class:`ganlib.models.AutoencoderEnergy` (score = mean squared reconstruction error).
    """

    def __init__(self, ds: list[nn.Module]):
        super().__init__()
        first = ds[0]
        self.energy = type(first) is AutoencoderEnergy
        if self.energy:
            self.encoder = Stack([list(d.encoder) for d in ds])
            self.decoder = Stack([list(d.decoder) for d in ds])
            return
        if type(first) is not Discriminator:
            raise Unbatchable(f"a {type(first).__name__} discriminator is not batched")
        if first.cond_dim or first.projection or len(first.heads):
            raise Unbatchable("a discriminator with conditioning or extra heads is not batched")
        self.body = Stack([list(d.body) + [d.score] for d in ds])

    def outputs(self, x: torch.Tensor) -> dict:
        if self.energy:
            code = self.encoder(x)
            return {"score": (self.decoder(code) - x).pow(2).mean(dim=2), "code": code}
        return {"score": self.body(x)[..., 0]}

    def forward(self, x: torch.Tensor, c: None = None) -> torch.Tensor:
        """The scores, (E, N); ``c`` is always None (conditioning is not batched)."""
        return self.outputs(x)["score"]

    def pairs(self) -> list:
        if self.energy:
            return self.encoder.pairs() + self.decoder.pairs()
        return self.body.pairs()


# ------------------------------------------------------------------------ the ensemble


@dataclass
class Ensemble:
    """E runs of one recipe: ``runs[i]`` is member i's single run (recipe, data, random
    stream, history, step); when ``reason`` is None they train as one batched model (``G``,
    ``D``, ``opt_g``, ``opt_d`` over the stacks), otherwise one after another."""

    runs: list
    reason: str | None
    G: StackedGenerator | None = None
    D: StackedDiscriminator | None = None
    opt_g: torch.optim.Optimizer | None = None
    opt_d: torch.optim.Optimizer | None = None
    step: int = 0
    failures: dict = field(default_factory=dict)  # member -> NonFiniteLossError
    seconds: float = 0.0
    _frozen: dict = field(default_factory=dict)  # stopped member -> its saved slices
    _updates: dict = field(default_factory=lambda: {"G": 0, "D": 0})
    _rng_states: list = field(default_factory=list)  # each stream at the start of the step
    _vmap_ok: dict = field(default_factory=dict)  # loss function -> whether vmap traces it

    @property
    def batched(self) -> bool:
        return self.reason is None

    @property
    def seeds(self) -> list[int]:
        return [gan.spec["seed"] for gan in self.runs]

    @property
    def recipe(self):
        return self.runs[0].recipe

    def alive(self) -> list[bool]:
        return [i not in self.failures for i in range(len(self.runs))]

    def member(self, i: int) -> single.GAN:
        """Member i as an independent single run (a copy): its weights, optimiser state,
        step, history and random stream, so that ``evaluate``, ``sample``, ``save`` and
        ``train`` work on it as on any run."""
        gan = copy.deepcopy(self.runs[i])
        if self.batched:
            self._write(i, gan, with_optimizers=True)
        return gan

    @torch.no_grad()
    def _write(self, i: int, gan: single.GAN, with_optimizers: bool) -> None:
        """Copy member i's slices of the stacks into ``gan``'s networks (and optimisers)."""
        nets = [("G", self.G, gan.G, self.opt_g, gan.opt_g), ("D", self.D, gan.D, self.opt_d,
                                                            gan.opt_d)]
        for name, stack, net, opt, own in nets if with_optimizers else nets[:1]:
            for (t, kind), p in zip(stack.pairs(), net.parameters(), strict=True):
                p.copy_(_member_view(t, i, kind))
                state = opt.state.get(t) if with_optimizers else None
                if state:
                    own.state[p] = {k: _member_view(v, i, kind).clone(
                        memory_format=torch.contiguous_format) if v.dim() else v.clone()
                                    for k, v in state.items()}
                    if i in self._frozen and "step" in state:  # its own number of updates
                        own.state[p]["step"] = torch.full_like(
                            state["step"], self._frozen[i]["updates"][name])

    # -- stopping one member ------------------------------------------------------------

    def _slices(self, name: str) -> tuple[list, list]:
        stack, opt = (self.G, self.opt_g) if name == "G" else (self.D, self.opt_d)
        params = [t for t, _ in stack.pairs()]
        state = [v for p in params for _, v in sorted(opt.state.get(p, {}).items())
                 if torch.is_tensor(v) and v.dim()]
        return params, state

    @torch.no_grad()
    def _stop(self, i: int, step: int, which: str, value: float, moved: bool,
              after_update: bool = False) -> None:
        """Stop member i: keep its current slices (and the stream from before this step)."""
        saved = {}
        for name in ("G", "D"):
            params, state = self._slices(name)
            saved[name] = ([t[i].clone() for t in params], [t[i].clone() for t in state] or None)
        self._frozen[i] = {"saved": saved, "updates": dict(self._updates)}
        self.runs[i].rng.set_state(self._rng_states[i])
        if after_update:
            held = "the non-finite weights that update produced"
        elif moved:
            held = ("the weights from before that update; D had already taken its update(s) "
                    "of that step")
        else:
            held = f"the weights after {step} completed steps"
        err = NonFiniteLossError(step, which, value)
        err.args = (f"member {i} (seed {self.seeds[i]}): {which} is {value} at step {step}; "
                    f"it stopped there, holding {held}; the other members go on",)
        self.failures[i] = err

    @torch.no_grad()
    def _keep_stopped(self, name: str) -> None:
        """Put the stopped members' saved slices of network ``name`` back after an update."""
        if not self._frozen:  # every step of a healthy ensemble: nothing to put back
            return
        params, state = self._slices(name)
        for i, frozen in self._frozen.items():
            saved_params, saved_state = frozen["saved"][name]
            for t, v in zip(params, saved_params):
                t[i].copy_(v)
            for k, t in enumerate(state):  # fresh optimiser state (zeros) if it had none
                t[i].copy_(saved_state[k]) if saved_state else t[i].zero_()


def build(recipe, data, *, seeds, steps: int = 2000, device: str = "auto",
          z_dim: int | None = None, hidden: int | None = None, depth: int = 3,
          batch_size: int = 256, batched: bool = True) -> Ensemble:
    """One run per seed, as :func:`ganlib.train.build` makes it, stacked into one model.

    The arguments are :func:`ganlib.train.build`'s, with ``seeds`` (at least one) in place of
    ``seed``. When the recipe cannot be batched (or ``batched=False``) the ensemble trains
    its runs one after another, and a warning says why.

    Chapter 11, "The protocol"; test:
    tests/test_ensemble.py::test_each_member_follows_its_single_run.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("an ensemble needs at least one seed")
    if isinstance(data, str):  # loaded once, shared by every member
        data = datasets.get(data)
    runs = [single.build(recipe, data, steps=steps, seed=s, device=device, z_dim=z_dim,
                         hidden=hidden, depth=depth, batch_size=batch_size) for s in seeds]
    ens = Ensemble(runs, _why_not_batched(runs[0]) if batched else "batched=False was asked")
    if ens.reason is None:
        try:
            ens.G = StackedGenerator([g.G for g in runs])
            ens.D = StackedDiscriminator([g.D for g in runs])
        except Unbatchable as err:
            ens.reason = str(err)
    if ens.reason is not None:
        ens.G = ens.D = None
        if batched:
            warnings.warn(f"ganlib.ensemble: the {len(runs)} runs of {runs[0].recipe.name} "
                          f"train one after another, not batched: {ens.reason}", stacklevel=2)
        return ens
    r = runs[0].recipe
    ens.opt_g = single._optimizer(r, ens.G.parameters(), r.lr_g)
    ens.opt_d = single._optimizer(r, ens.D.parameters(), r.lr_d)
    return ens


def _why_not_batched(gan: single.GAN) -> str | None:
    r = gan.recipe
    if r.conditioning != "none":
        return f"conditioning ({r.conditioning}) is not batched"
    if r.spectral_norm:
        return "spectral normalisation is not batched"
    for t in gan.terms:
        if not t.stacked:
            return f"the {t.name} term has no stacked form, so it is not batched"
    return None


# ------------------------------------------------------------------------ one step


def _forward(ens: Ensemble, alive: list[bool], fake_grad: bool, with_real: bool) -> terms.Step:
    """Each live member's draws from its own stream (train.py's order), the fakes and D on
    both batches, as one stacked step; a stopped member draws nothing (zeros)."""
    draws = [gan.conditioning.draw(gan.data, gan.batch_size, gan.G.z_dim, gan.rng, with_real)
             if a else None for gan, a in zip(ens.runs, alive)]
    like = next(d for d in draws if d is not None)

    def stacked(key: str) -> torch.Tensor:  # zeros for the stopped members
        return torch.stack([torch.zeros_like(getattr(like, key)) if d is None else
                            getattr(d, key) for d in draws])

    z, real = stacked("z"), stacked("real") if with_real else None
    with torch.set_grad_enabled(fake_grad):
        fake = ens.G(z)
    if with_real:  # one pass over both batches
        both, n = ens.D.outputs(torch.cat([real, fake], 1)), real.shape[1]
        real_out = {k: v[:, :n] for k, v in both.items()}
        fake_out = {k: v[:, n:] for k, v in both.items()}
    else:
        real_out, fake_out = None, ens.D.outputs(fake)
    rngs = [gan.rng if a else None for gan, a in zip(ens.runs, alive)]
    return terms.Step(Inputs(real, z), fake, real_out, fake_out, ens.D, rngs, stacked=True)


def _each(ens: Ensemble, fn, *stacked: torch.Tensor) -> torch.Tensor:
    """fn on each member's slice of ``stacked``, (E,): vectorised by ``torch.func.vmap``, or
    member by member for a function vmap cannot trace (a check that reads the values)."""
    key = getattr(fn, "__qualname__", repr(fn))
    if ens._vmap_ok.get(key, True):
        try:
            return torch.func.vmap(fn)(*stacked)
        except RuntimeError:
            ens._vmap_ok[key] = False
    return torch.stack([fn(*args) for args in zip(*stacked)])


def _objective(ens: Ensemble, s: terms.Step, side: str) -> dict:
    """{name: (weight, values (E,))}: the adversarial loss, each member's (:func:`_each`), then
    each term acting on ``side`` on the stacked step, as train.py's ``_objective``."""
    loss, fake = ens.runs[0].loss, s.fake_out["score"]
    if side == "d":
        parts = {"d_loss": (1.0, _each(ens, loss.d_loss, s.real_out["score"], fake))}
    elif loss.g_needs_real:
        parts = {"g_loss": (1.0, _each(ens, loss.g_loss, fake, s.real_out["score"]))}
    else:
        parts = {"g_loss": (1.0, _each(ens, loss.g_loss, fake))}
    for t in ens.runs[0].terms:
        fn = t.d if side == "d" else t.g
        if fn is not None:
            parts[t.name] = (t.weight, fn(s))
    return parts


def _member_norms(tensors) -> torch.Tensor:
    """Each member's L2 norm over a list of stacked tensors, (E,)."""
    return torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(t.flatten(1), dim=1) for t in tensors]), dim=0)


def _failing(alive: list[bool], values: torch.Tensor) -> list[int]:
    """The live members with a non-finite value in their column of ``values`` (K, E)."""
    live = torch.tensor(alive, device=values.device)
    return (live & ~torch.isfinite(values).all(0)).nonzero().flatten().tolist()


def _backward(ens: Ensemble, alive: list[bool], parts: dict, net: str, retain: bool,
              moved: bool) -> dict:
    """Back-propagate the live members' summed losses into ``net``'s stacks and check each
    member's parts and gradient as train.py checks a run's; stop the members that fail,
    before the update. Returns {name: [E values]}."""
    params = [t for t, _ in (ens.D if net == "D" else ens.G).pairs()]
    for p in params:
        p.grad = None
    total = sum(weight * value for weight, value in parts.values())
    live = torch.tensor(alive, device=total.device)
    torch.where(live, total, 0).sum().backward(inputs=params, retain_graph=retain)
    checked = torch.stack([v.detach().float() for _, v in parts.values()]
                          + [_member_norms([p.grad for p in params])])
    rows = checked.tolist()
    for i in _failing(alive, checked):
        ens._stop(i, ens.step, *single._first_non_finite(list(parts), [r[i] for r in rows], net),
                  moved)
        alive[i] = False
    return dict(zip(parts, rows[:-1]))


def _apply(ens: Ensemble, alive: list[bool], net: str) -> None:
    """One optimiser step over the stack; stopped members keep their slices; then each live
    member's weights are checked (and clipped, for D, when the recipe clips)."""
    stack, opt = (ens.D, ens.opt_d) if net == "D" else (ens.G, ens.opt_g)
    opt.step()
    ens._updates[net] += 1
    ens._keep_stopped(net)
    params = [t for t, _ in stack.pairs()]
    norms = _member_norms(params)
    for i in _failing(alive, norms[None]):
        ens._stop(i, ens.step, f"the norm of {net}'s weights after its update",
                  norms[i].item(), True, after_update=True)
        alive[i] = False
    if net == "D" and ens.recipe.clip:
        with torch.no_grad():
            for p in params:
                p.clamp_(-ens.recipe.clip, ens.recipe.clip)
        ens._keep_stopped(net)


def train_step(ens: Ensemble) -> tuple[dict, dict]:
    """One step for every live member, as :func:`ganlib.train.train_step` takes it for one
    run; returns D's and G's checked parts, {name: [one value per member]}."""
    r = ens.recipe
    together = r.updates == "simultaneous"
    alive = ens.alive()
    ens._rng_states = [gan.rng.get_state() for gan in ens.runs]
    single._set_learning_rates(r, ens.step, ens.runs[0].steps_planned, ens.opt_d, ens.opt_g)
    moved, g_parts = False, {}
    for _ in range(r.n_critic):
        s = _forward(ens, alive, fake_grad=together, with_real=True)
        d_parts = _backward(ens, alive, _objective(ens, s, "d"), "D", together, moved)
        if together and any(alive):  # G's gradient at the same point, before either moves
            g_parts = _backward(ens, alive, _objective(ens, s, "g"), "G", False, moved)
        if not any(alive):
            return d_parts, {}
        _apply(ens, alive, "D")
        moved = True
    if not together and any(alive):
        s = _forward(ens, alive, fake_grad=True, with_real=ens.runs[0].loss.g_needs_real)
        g_parts = _backward(ens, alive, _objective(ens, s, "g"), "G", False, moved)
    if any(alive):
        _apply(ens, alive, "G")
    return d_parts, g_parts


# ------------------------------------------------------------------------ training


@dataclass
class Result:
    """What :func:`train` returns: per-member histories and metrics, failures and time."""

    seeds: list
    histories: list  # one ganlib.train.History per member
    metrics: list  # each member's final metrics ({} when not evaluated or not evaluable)
    failures: dict  # member -> NonFiniteLossError, for the members that stopped
    seconds: float  # the ensemble's wall time for this call
    batched: bool
    reason: str | None  # why the members trained one after another, when they did

    @property
    def seconds_per_member(self) -> float:
        """The ensemble's seconds divided by its number of members."""
        return self.seconds / len(self.seeds)

    def rows(self) -> list[dict]:
        """One flat dict per member: seed, status, steps, seconds (per member) and metrics."""
        return [{"seed": s, "status": "ok" if i not in self.failures else
                 f"stopped: {self.failures[i].which} at step {self.failures[i].step}",
                 "steps": len(h.step), "seconds": self.seconds_per_member, **m}
                for i, (s, h, m) in enumerate(zip(self.seeds, self.histories, self.metrics))]


def _evaluate(ens: Ensemble, i: int) -> dict:
    gan = ens.runs[i]
    if ens.batched:
        ens._write(i, gan, with_optimizers=False)
    try:
        return single.evaluate(gan)
    except ValueError:  # non-finite samples
        return {}


def train(ens: Ensemble, steps: int | None = None, *, eval_every: int = 0,
          progress: bool = True, evaluate: bool = True) -> Result:
    """Train every member ``steps`` more steps (default: the rest of the planned run).

    ``eval_every`` > 0 records each live member's metrics that often (in its
    ``history.evals``); ``evaluate`` scores every member at the end (``result.metrics``).
    A member that meets a non-finite value stops (``result.failures``); the others go on.

    Chapter 11, "The protocol"; test:
    tests/test_ensemble.py::test_a_failing_member_stops_and_the_others_go_on.
    """
    first = ens.runs[0]
    steps = first.steps_planned - ens.step if steps is None else single._whole(steps, "steps", 0)
    single._whole(eval_every, "eval_every", 0)
    if first.recipe.lr_decay and ens.step + steps > first.steps_planned:
        raise ValueError(f"{first.recipe.name} decays its learning rates to zero at step "
                         f"{first.steps_planned}; plan more steps: build(..., steps=N)")
    start = time.perf_counter()
    if not ens.batched:
        for i, gan in enumerate(ens.runs):
            if i not in ens.failures:
                try:
                    single.train(gan, steps, eval_every=eval_every, progress=progress)
                except NonFiniteLossError as err:
                    ens.failures[i] = err
        ens.step += steps
    else:
        progress = progress and not os.environ.get("TQDM_DISABLE")
        bar = tqdm(range(steps), desc=f"{first.recipe.name} x{len(ens.runs)}",
                   disable=not progress, leave=False)
        for _ in bar:
            if not any(ens.alive()):
                break
            d_parts, g_parts = train_step(ens)
            for i in [i for i, a in enumerate(ens.alive()) if a]:
                h = ens.runs[i].history
                h.step.append(ens.step)
                for parts, main, extra in ((d_parts, "d_loss", h.d_terms),
                                           (g_parts, "g_loss", h.g_terms)):
                    for name, values in parts.items():
                        target = getattr(h, main) if name == main else extra.setdefault(name, [])
                        target.append(values[i])
                ens.runs[i].step += 1
            ens.step += 1
            if eval_every and ens.step % eval_every == 0:
                for i in [i for i, a in enumerate(ens.alive()) if a]:
                    ens.runs[i].history.evals.append({"step": ens.step, **_evaluate(ens, i)})
    seconds = time.perf_counter() - start  # training, without the final evaluation
    if ens.batched:
        for gan in ens.runs:
            gan.history.seconds += seconds / len(ens.runs)
    ens.seconds += seconds
    metrics = [_evaluate(ens, i) if evaluate else {} for i in range(len(ens.runs))]
    return Result(ens.seeds, [gan.history for gan in ens.runs], metrics, dict(ens.failures),
                  seconds, ens.batched, ens.reason)


__all__ = ["Ensemble", "Result", "Stack", "StackedDiscriminator", "StackedGenerator",
           "Unbatchable", "build", "train", "train_step"]
