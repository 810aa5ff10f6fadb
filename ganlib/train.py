"""One readable training loop for every recipe.

    gan = build("nsgan", "ring", steps=2000, seed=0)   # networks, optimisers, random stream
    history = train(gan)                               # runs the planned steps
    save(gan, "ring.pt"); load(gan, "ring.pt")         # checkpoint and exact resume

A *step* is ``recipe.n_critic`` discriminator updates, then one generator update (alternating
updates), or one update of both computed at the same point (``updates="simultaneous"``).
Each side's loss is the recipe's adversarial loss plus its weighted extra terms (penalties,
EBGAN's pulling-away term, AC-GAN's classifier, InfoGAN's information; see
:mod:`ganlib.terms`); conditioning (class labels, InfoGAN's codes) comes with the draws
(:mod:`ganlib.conditioning`). The loop has no recipe-specific branch.

Random streams: every draw of a run (data, noise, labels, codes, penalties) comes from the
run's own ``torch.Generator`` (``gan.rng``), seeded from ``seed``; initialisation uses its own
seeded stream too, and neither touches torch's global generator. So a run is reproduced by its
seed alone, whatever else the process does, and ``gan.sample`` / ``evaluate`` (which draw
from generators of their own) never change a run's trajectory.

Non-finite values: each term of each loss, the gradient and the updated weights are checked;
the first that is not finite stops training with :class:`NonFiniteLossError`, which names the
step and the term, after restoring the state from before that step (weights, optimisers,
random stream), so ``gan.step`` and ``gan.history`` agree with the weights held.
Chapter 1, "Training both losses on the ring", runs this loop; tests: tests/test_train.py.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import time
from dataclasses import asdict, dataclass, field

import torch
from tqdm.auto import tqdm

from ganlib import conditioning, losses, metrics, penalties, recipes, terms
from ganlib import data as datasets
from ganlib.models import (
    AutoencoderEnergy,
    DCGANDiscriminator,
    DCGANGenerator,
    Discriminator,
    Generator,
)

# Bumped whenever a change to ganlib alters what a seeded run computes; recorded runs carry
# it, and tests/test_recorded.py asks for them to be re-recorded when it moves.
TRAJECTORY_VERSION = 2
SAMPLE_SEED = 0  # default seed of gan.sample, for figures
EVAL_SEED = 2**31 - 1  # seed of the samples that evaluate() scores


class NonFiniteLossError(RuntimeError):
    """Training met a NaN or infinite value; ``step`` and ``which`` say where."""

    def __init__(self, step: int, which: str, value: float, restored: bool = True):
        self.step, self.which, self.value = step, which, value
        state = ("restored the state from before that step (weights, optimisers, random "
                 f"stream), so the networks hold the weights after {step} completed steps"
                 if restored else "the networks hold the last good weights")
        super().__init__(
            f"{which} is {value} at step {step}; stopped and {state}. Lower the learning "
            "rates, add a penalty or check the data for NaNs"
        )


@dataclass
class History:
    """Per-step losses, extra terms and periodic metrics of one run."""

    step: list = field(default_factory=list)
    d_loss: list = field(default_factory=list)  # the adversarial loss alone, last critic step
    g_loss: list = field(default_factory=list)
    d_terms: dict = field(default_factory=dict)  # D's unweighted extra terms: {name: [...]}
    g_terms: dict = field(default_factory=dict)  # G's
    evals: list = field(default_factory=list)  # dicts: {"step": s, **metrics}
    seconds: float = 0.0


@dataclass
class GAN:
    """The state of one run: networks, optimisers, recipe, data, random stream and progress."""

    G: Generator
    D: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    recipe: recipes.Recipe
    data: object
    loss: losses.Loss
    terms: list
    conditioning: object
    rng: torch.Generator
    device: torch.device
    spec: dict  # what defines the run; a checkpoint must match it
    step: int = 0
    history: History = field(default_factory=History)

    @property
    def steps_planned(self) -> int:
        return self.spec["steps_planned"]

    @property
    def batch_size(self) -> int:
        return self.spec["batch_size"]

    def extend(self, steps_planned: int) -> None:
        """Plan a longer (or shorter) run. With ``lr_decay`` the learning rates then decay
        linearly from their current value to zero at the new end, so the run differs from
        one built that long from the start."""
        self.spec["steps_planned"] = _whole(steps_planned, "steps_planned", max(1, self.step))

    def sample(self, n: int, seed: int = SAMPLE_SEED, labels=None) -> torch.Tensor:
        """n generated samples on the CPU, drawn from a generator seeded with ``seed``.

        The run's own random stream is not touched, so sampling never changes training.
        ``labels`` (n,) choose the classes of a class-conditional run (or InfoGAN's
        categorical code); by default they are drawn at random.
        """
        gen = _generator(self.device, seed)
        inputs = self.conditioning.latent(n, self.G.z_dim, self.device, gen, labels)
        with torch.no_grad():
            return self.G(inputs.z, inputs.g_cond).cpu()


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" picks CUDA, then Apple's MPS, then the CPU; anything else must be available."""
    if str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; use auto, cpu, cuda or mps") from None
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": bool(getattr(torch.backends, "mps", None))
                 and torch.backends.mps.is_available()}
    if not available.get(dev.type, False):
        raise ValueError(f"device {device!r} is not available here; use auto or cpu")
    return dev


def _whole(value, what: str, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return value


def _seed(seed: int, stream: str) -> int:
    """A seed for one named stream of a run, derived from the run's seed."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{stream}".encode()).digest()[:8], "little") >> 1


def _generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def _optimizer(recipe: recipes.Recipe, params, lr: float) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if recipe.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    try:  # the fused kernel is several times faster for these small networks
        return torch.optim.Adam(params, lr=lr, betas=recipe.betas, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=lr, betas=recipe.betas)


def build(recipe: str | recipes.Recipe, data: str | object, *, steps: int = 2000, seed: int = 0,
          device: str = "auto", z_dim: int | None = None, hidden: int | None = None,
          depth: int = 3, batch_size: int = 256) -> GAN:
    """Make the data, networks, optimisers and random stream that ``recipe`` describes.

    ``steps`` is the planned length of the run (learning-rate decay reaches zero there).
    Networks: :class:`Generator` and :class:`Discriminator` MLPs with ``depth`` hidden
    layers of ``hidden`` units (depth 0: linear). Defaults: on 2-D data z has 2 dimensions and
    layers 128 units (a low-dimensional z makes the mixtures' clusters easy to carve out); on
    digits, 32 and 256. On 28x28 images (MNIST) the DCGAN pair :class:`DCGANGenerator` and
    :class:`DCGANDiscriminator` (``hidden`` and ``depth`` unused; chapter 9, "MNIST as a
    switch"). Every argument is checked before anything is built.

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_train.py::test_every_recipe_builds_and_steps.
    """
    _whole(steps, "steps", 1), _whole(seed, "seed", 0), _whole(batch_size, "batch_size", 1)
    _whole(depth, "depth", 0)
    for what, value in (("z_dim", z_dim), ("hidden", hidden)):
        if value is not None:
            _whole(value, what, 1)
    dev = pick_device(device)
    data = (datasets.get(data) if isinstance(data, str) else data).to(dev)
    recipe = (recipes.get(recipe) if isinstance(recipe, str) else recipe).for_data(data)
    cond = conditioning.get(recipe.conditioning, data, **recipe.conditioning_params)
    extra = [terms.get(name, weight, cond) for name, weight in recipe.terms.items() if weight]
    if recipe.penalty and recipe.penalty_weight:
        extra.insert(0, terms.penalty(recipe.penalty, recipe.penalty_weight,
                                      **recipe.penalty_params))
    loss = losses.get(recipe.loss, **recipe.loss_params)
    z_dim = z_dim or (2 if data.dim == 2 else 32)
    hidden = hidden or (128 if data.dim == 2 else 256)
    with torch.random.fork_rng(devices=[]):  # initialisation: its own stream
        torch.manual_seed(_seed(seed, "init"))
        images = getattr(data, "image_shape", None) == (28, 28)  # MNIST: the DCGAN pair
        G = (DCGANGenerator(z_dim, cond.g_dim) if images else
             Generator(data.dim, z_dim, hidden, depth, tanh=data.dim > 2, cond_dim=cond.g_dim))
        if recipe.discriminator == "autoencoder":
            D = AutoencoderEnergy(data.dim, hidden, depth)
        else:
            heads = {k: v for t in extra for k, v in t.heads.items()}
            D = (DCGANDiscriminator(recipe.spectral_norm, cond.d_dim,
                                    recipe.discriminator == "projection", heads) if images else
                 Discriminator(data.dim, hidden, depth, recipe.spectral_norm, cond.d_dim,
                               recipe.discriminator == "projection", heads))
    G, D = G.to(dev), D.to(dev)
    spec = {"recipe": asdict(recipe), "data": dict(data.spec), "z_dim": z_dim,
            "hidden": hidden, "depth": depth, "batch_size": batch_size, "steps_planned": steps,
            "seed": seed, "device": dev.type}
    return GAN(G, D, _optimizer(recipe, G.parameters(), recipe.lr_g),
               _optimizer(recipe, D.parameters(), recipe.lr_d), recipe, data, loss, extra,
               cond, _generator(dev, _seed(seed, "train")), dev, spec)


# ------------------------------------------------------------------------ one step


def _forward(gan: GAN, fake_grad: bool, with_real: bool) -> terms.Step:
    """Draw a batch, generate fakes, and run D on them (and on the real batch if asked)."""
    inputs = gan.conditioning.draw(gan.data, gan.batch_size, gan.G.z_dim, gan.rng, with_real)
    with torch.set_grad_enabled(fake_grad):
        fake = gan.G(inputs.z, inputs.g_cond)
    if with_real:  # one pass over both batches
        c = None if inputs.d_cond is None else torch.cat([inputs.d_cond, inputs.d_cond])
        both = gan.D.outputs(torch.cat([inputs.real, fake]), c)
        n = len(inputs.real)
        real_out = {k: v[:n] for k, v in both.items()}
        fake_out = {k: v[n:] for k, v in both.items()}
    else:
        real_out, fake_out = None, gan.D.outputs(fake, inputs.d_cond)
    return terms.Step(inputs, fake, real_out, fake_out, gan.D, gan.rng)


def _objective(gan: GAN, s: terms.Step, side: str) -> dict:
    """{name: (weight, value)}: the adversarial loss, then each extra term acting on ``side``."""
    real = None if s.real_out is None else s.real_out["score"]
    if side == "d":
        parts = {"d_loss": (1.0, gan.loss.d_loss(real, s.fake_out["score"]))}
    else:
        parts = {"g_loss": (1.0, gan.loss.g_loss(s.fake_out["score"], real))}
    for t in gan.terms:
        fn = t.d if side == "d" else t.g
        if fn is not None:
            parts[t.name] = (t.weight, fn(s))
    return parts


def _norm(tensors) -> torch.Tensor:
    tensors = [t for t in tensors if t is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(tensors)))


def _backward(parts: dict, params: list, step: int, retain: bool = False, net: str = "D") -> dict:
    """Backpropagate the weighted sum of ``parts`` into ``params`` only, and check it.

    Returns {name: value}. Raises NonFiniteLossError naming the first non-finite part, or
    the gradient, before anything is updated.
    """
    for p in params:
        p.grad = None
    total = sum(weight * value for weight, value in parts.values())
    total.backward(inputs=params, retain_graph=retain)
    checked = torch.stack([v.detach().float() for _, v in parts.values()]
                          + [_norm(p.grad for p in params)]).tolist()
    bad = _first_non_finite(list(parts), checked, net)
    if bad is not None:
        raise NonFiniteLossError(step, *bad)
    return dict(zip(parts, checked[:-1]))


def _first_non_finite(names: list, values: list, net: str) -> tuple[str, float] | None:
    """(which, value) for the first non-finite of a loss's parts ``values[:-1]`` (named by
    ``names``, the adversarial loss first) and its gradient's norm ``values[-1]``; or None."""
    for i, (name, value) in enumerate(zip(names, values)):
        if not math.isfinite(value):
            return (name if i == 0 else f"{name} (in {net}'s loss)"), value
    if not math.isfinite(values[-1]):
        return f"the gradient of {names[0]} (its norm)", values[-1]
    return None


def _apply(opt: torch.optim.Optimizer, params: list, step: int, net: str) -> None:
    """Take the optimiser step, then check that the weights stayed finite."""
    opt.step()
    norm = _norm(params).item()
    if not math.isfinite(norm):
        raise NonFiniteLossError(step, f"the norm of {net}'s weights after its update", norm)


def _set_learning_rates(r: recipes.Recipe, step: int, planned: int, opt_d, opt_g) -> None:
    """The recipe's learning rates at ``step`` of ``planned``: constant, or with ``lr_decay``
    falling linearly to zero at ``planned`` (the ensemble shares it)."""
    scale = max(0.0, 1 - step / planned) if r.lr_decay else 1.0
    for opt, lr in ((opt_d, r.lr_d), (opt_g, r.lr_g)):
        for group in opt.param_groups:
            group["lr"] = lr * scale


def train_step(gan: GAN) -> tuple[dict, dict]:
    """One step: D's updates, then G's (or both at once); returns D's and G's checked parts.

    Does not restore anything on failure; :func:`train` does.

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_train.py::test_simultaneous_and_alternating_sgd_steps.
    """
    r, k = gan.recipe, gan.step
    d_params, g_params = list(gan.D.parameters()), list(gan.G.parameters())
    together = r.updates == "simultaneous"
    _set_learning_rates(r, k, gan.steps_planned, gan.opt_d, gan.opt_g)
    for _ in range(r.n_critic):
        s = _forward(gan, fake_grad=together, with_real=True)
        d_parts = _backward(_objective(gan, s, "d"), d_params, k, retain=together)
        if together:  # G's gradient at the same point, before either network moves
            g_parts = _backward(_objective(gan, s, "g"), g_params, k, net="G")
        _apply(gan.opt_d, d_params, k, "D")
        if r.clip:
            penalties.clip_weights(gan.D, r.clip)
    if not together:
        s = _forward(gan, fake_grad=True, with_real=gan.loss.g_needs_real)
        g_parts = _backward(_objective(gan, s, "g"), g_params, k, net="G")
    _apply(gan.opt_g, g_params, k, "G")
    return d_parts, g_parts


class Snapshot:
    """A copy of everything a step changes -- weights, buffers, optimiser state, random
    stream -- taken before the step and restored if it fails."""

    def __init__(self, modules, optimizers, generator: torch.Generator | None = None):
        self.modules, self.optimizers, self.generator = modules, optimizers, generator
        self.saved = None

    def _live(self) -> list:
        live = [t.data for m in self.modules for t in (*m.parameters(), *m.buffers())]
        for opt in self.optimizers:
            live += [v for state in opt.state.values() for v in state.values()
                     if torch.is_tensor(v)]
        return live

    def take(self) -> None:
        live = self._live()
        if self.saved is None or [t.shape for t in self.saved] != [t.shape for t in live]:
            self.saved = [t.detach().clone() for t in live]
        else:
            torch._foreach_copy_(self.saved, live)
        self.live, self.had_state = live, [set(opt.state) for opt in self.optimizers]
        self.rng_state = self.generator.get_state() if self.generator is not None else None

    @torch.no_grad()
    def restore(self) -> None:
        torch._foreach_copy_(self.live, self.saved)
        for opt, had in zip(self.optimizers, self.had_state):
            for p in [p for p in opt.state if p not in had]:  # state the failed step created
                del opt.state[p]
        if self.rng_state is not None:
            self.generator.set_state(self.rng_state)


def evaluate(gan: GAN, n: int = metrics.MIXTURE_SAMPLES) -> dict:
    """The dataset's metrics on n samples drawn with a fixed seed (EVAL_SEED).

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_train.py::test_sampling_and_evaluating_never_change_training.
    """
    return metrics.evaluate(gan.data, gan.sample(n, seed=EVAL_SEED))


def train(gan: GAN, steps: int | None = None, *, eval_every: int = 0,
          progress: bool = True) -> History:
    """Run ``steps`` more steps (default: the rest of the planned run) and return History.

    ``eval_every`` > 0 records the dataset's metrics that often. The progress bar (tqdm) is
    off when ``progress=False`` or the environment sets TQDM_DISABLE. On a non-finite value
    it raises NonFiniteLossError with the state from before the failing step restored.

    Chapter 1, "Training both losses on the ring"; test:
    tests/test_train.py::test_resume_continues_exactly.
    """
    r, h = gan.recipe, gan.history
    steps = gan.steps_planned - gan.step if steps is None else _whole(steps, "steps", 0)
    _whole(eval_every, "eval_every", 0)
    if r.lr_decay and gan.step + steps > gan.steps_planned:
        raise ValueError(
            f"{r.name} decays its learning rates to zero at step {gan.steps_planned}; training "
            f"to step {gan.step + steps} would not move. Plan more steps: build(..., steps=N), "
            "or gan.extend(N) to lengthen this run (its decay then restarts from here)"
        )
    start_time = time.perf_counter()
    progress = progress and not os.environ.get("TQDM_DISABLE")  # the book builds without bars
    snapshot = Snapshot([gan.G, gan.D], [gan.opt_g, gan.opt_d], gan.rng)
    bar = tqdm(range(steps), desc=r.name, disable=not progress, leave=False)
    try:
        for _ in bar:
            snapshot.take()
            try:
                d_parts, g_parts = train_step(gan)
            except NonFiniteLossError:
                snapshot.restore()
                raise
            h.step.append(gan.step)
            h.d_loss.append(d_parts.pop("d_loss"))
            h.g_loss.append(g_parts.pop("g_loss"))
            for name, value in d_parts.items():
                h.d_terms.setdefault(name, []).append(value)
            for name, value in g_parts.items():
                h.g_terms.setdefault(name, []).append(value)
            gan.step += 1
            if eval_every and gan.step % eval_every == 0:
                h.evals.append({"step": gan.step, **evaluate(gan)})
            if progress and gan.step % 50 == 0:
                bar.set_postfix(d=f"{h.d_loss[-1]:.3f}", g=f"{h.g_loss[-1]:.3f}", refresh=False)
    finally:
        h.seconds += time.perf_counter() - start_time
    return h


def fit_discriminator(D: torch.nn.Module, d_loss, real, fake, steps: int = 1000, *,
                      batch_size: int = 512, lr: float = 1e-3) -> list[float]:
    """Train D alone against two fixed samplers and return its loss at every step.

    ``real`` and ``fake`` are callables ``n -> (n, dim) tensor`` (e.g. ``data.sample``, or a
    frozen generator's ``sample``); ``d_loss(real_out, fake_out)`` is any discriminator loss
    from :mod:`ganlib.losses`. With an f-GAN loss, ``-loss`` is the variational lower bound
    E_P[T] - E_Q[f*(T)] on D_f(P||Q) (Nowozin et al. 2016, eq. 4), so this doubles as an
    f-divergence estimator (chapter 4, "Estimating a divergence with a critic"). Adam, ``lr``;
    the same checked update as :func:`train`, so a non-finite loss, gradient or weight stops
    it with NonFiniteLossError and D keeps its last good weights.

    Chapter 4, "Estimating a divergence with a critic"; test:
    tests/test_train.py::test_fit_discriminator_estimates_kl_between_gaussians.
    """
    _whole(steps, "steps", 0), _whole(batch_size, "batch_size", 1)
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    params, out = list(D.parameters()), []
    snapshot = Snapshot([D], [opt])
    for step in range(steps):
        x_real, x_fake = real(batch_size), fake(batch_size).detach()
        real_out, fake_out = D(torch.cat([x_real, x_fake])).split([len(x_real), len(x_fake)])
        snapshot.take()
        try:
            value = _backward({"d_loss": (1.0, d_loss(real_out, fake_out))}, params, step)
            _apply(opt, params, step, "D")
        except NonFiniteLossError:
            snapshot.restore()
            raise
        out.append(value["d_loss"])
    return out


# ------------------------------------------------------------------------ checkpoints

_FORMAT = "ganlib-checkpoint/2"


def save(gan: GAN, path) -> None:
    """Write everything needed to resume exactly: what defines the run, weights, optimisers,
    step, history and the random stream.

    the book's ganlib page; test: tests/test_train.py::test_resume_continues_exactly.
    """
    torch.save({
        "format": _FORMAT, "spec": gan.spec, "step": gan.step,
        "G": gan.G.state_dict(), "D": gan.D.state_dict(),
        "opt_g": gan.opt_g.state_dict(), "opt_d": gan.opt_d.state_dict(),
        "history": asdict(gan.history), "rng": gan.rng.get_state(),
    }, path)


def _differences(saved, current, prefix: str = "") -> list[str]:
    if isinstance(saved, dict) and isinstance(current, dict):
        out = []
        for key in sorted(set(saved) | set(current), key=str):
            out += _differences(saved.get(key), current.get(key), f"{prefix}{key}.")
        return out
    if isinstance(saved, (list, tuple)) and isinstance(current, (list, tuple)):
        saved, current = list(saved), list(current)
    return [] if saved == current else [f"{prefix[:-1]}: {saved!r} in the checkpoint, "
                                        f"{current!r} here"]


def load(gan: GAN, path) -> GAN:
    """Restore a checkpoint into ``gan``, which must be built exactly as the saved run was.

    Everything is checked before any state changes: a file that is not a ganlib checkpoint,
    or a run that differs (recipe fields, data and its parameters, network sizes, batch size,
    planned steps, device type), is refused with a ValueError listing the differences.

    the book's ganlib page; test:
    tests/test_train.py::test_a_checkpoint_loads_only_into_the_run_it_came_from.
    """
    try:
        state = torch.load(path, map_location=gan.device, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # empty, truncated, or not a torch file at all
        raise ValueError(f"{path} is not a readable ganlib checkpoint (empty, truncated or "
                         f"another kind of file): {type(err).__name__}: {err}") from None
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"{path} is not a ganlib checkpoint of this version "
                         f"({_FORMAT}); save it again with ganlib.train.save")
    saved_spec = {k: v for k, v in state["spec"].items() if k != "seed"}
    diff = _differences(saved_spec, {k: v for k, v in gan.spec.items() if k != "seed"})
    if any(d.startswith("steps_planned") for d in diff):
        diff.append("to continue a run past its plan on purpose, build it with the "
                    "checkpoint's steps, load, then call gan.extend(N) (with lr_decay the "
                    "learning rates then decay from here to zero at N)")
    if diff:
        raise ValueError(f"{path} was saved from a different run; build this one the same "
                         "way. Differences: " + "; ".join(diff))
    # Dry run on copies, so that a malformed state dict is refused before anything changes.
    G, D = copy.deepcopy(gan.G), copy.deepcopy(gan.D)
    try:
        G.load_state_dict(state["G"])
        D.load_state_dict(state["D"])
        _optimizer(gan.recipe, G.parameters(), 1.0).load_state_dict(state["opt_g"])
        _optimizer(gan.recipe, D.parameters(), 1.0).load_state_dict(state["opt_d"])
        history = History(**state["history"])
        rng = torch.Generator(device=gan.device)
        rng.set_state(state["rng"].cpu())
    except (KeyError, TypeError, RuntimeError, ValueError) as err:
        raise ValueError(f"{path}: the checkpoint's contents do not fit this run: {err}") from None
    gan.G.load_state_dict(state["G"])
    gan.D.load_state_dict(state["D"])
    gan.opt_g.load_state_dict(state["opt_g"])
    gan.opt_d.load_state_dict(state["opt_d"])
    gan.step, gan.history = state["step"], history
    gan.rng.set_state(state["rng"].cpu())
    return gan
