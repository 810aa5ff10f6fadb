"""One readable training loop for every recipe.

    gan = build("nsgan", "ring", steps=2000, seed=0)   # networks, optimisers, seeded
    history = train(gan)                               # runs the planned steps
    save(gan, "ring.pt"); load(gan, "ring.pt")         # checkpoint and exact resume

A *step* is one generator update, preceded by ``recipe.n_critic`` discriminator updates.
Every random draw (initialisation, data, noise, penalties) comes from torch's global
generator, seeded in :func:`build` and stored in checkpoints, so a resumed run continues
exactly as an uninterrupted one. A loss or gradient that stops being finite ends training
with :class:`NonFiniteLossError`, before the bad update is applied: the networks keep the
last good weights.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field

import torch
from tqdm.auto import tqdm

from ganlib import data as datasets
from ganlib import losses, metrics, penalties, recipes
from ganlib.models import AutoencoderEnergy, Discriminator, Generator

PENALTIES = ("gp", "lp", "dragan", "r1", "r2")


class NonFiniteLossError(RuntimeError):
    """Training met a NaN or infinite loss or gradient; ``step`` and ``which`` say where."""

    def __init__(self, step: int, which: str, value: float):
        self.step, self.which, self.value = step, which, value
        what = f"{which} is {value}" if not math.isfinite(value) else (
            f"{which} = {value:.4g} has a non-finite gradient")
        super().__init__(
            f"{what} at step {step}; stopped before applying that update, so the networks "
            "hold the last good weights. Lower the learning rates, add a penalty or check the "
            "data for NaNs"
        )


@dataclass
class History:
    """Per-step losses and periodic metrics of one run."""

    step: list = field(default_factory=list)
    d_loss: list = field(default_factory=list)  # without the penalty term
    g_loss: list = field(default_factory=list)
    penalty: list = field(default_factory=list)  # unweighted
    evals: list = field(default_factory=list)  # dicts: {"step": s, **metrics}
    seconds: float = 0.0


@dataclass
class GAN:
    """The state of one run: networks, optimisers, recipe, data and progress."""

    G: Generator
    D: Discriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    recipe: recipes.Recipe
    data: object
    loss: losses.Loss
    device: torch.device
    steps_planned: int
    step: int = 0
    history: History = field(default_factory=History)

    def sample(self, n: int) -> torch.Tensor:
        """n generated samples on the CPU."""
        return self.G.sample(n).cpu()


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" picks CUDA, then Apple's MPS, then the CPU; anything else is taken as given."""
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _optimizer(recipe: recipes.Recipe, params, lr: float) -> torch.optim.Optimizer:
    if recipe.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    if recipe.optimizer != "adam":
        raise ValueError(f"unknown optimizer {recipe.optimizer!r}; use 'adam' or 'rmsprop'")
    try:  # the fused kernel is several times faster for these small networks
        return torch.optim.Adam(params, lr=lr, betas=recipe.betas, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=lr, betas=recipe.betas)


def build(recipe: str | recipes.Recipe, data: str | object, *, steps: int = 2000, seed: int = 0,
          device: str = "auto", z_dim: int | None = None, hidden: int | None = None,
          depth: int = 3) -> GAN:
    """Seed torch, then make the data, networks and optimisers that ``recipe`` describes.

    ``steps`` is the planned length of the run (learning-rate decay reaches zero there).
    Networks: :class:`Generator` and :class:`Discriminator` MLPs with ``depth`` hidden
    layers of ``hidden`` units. Defaults: on 2-D data z has 2 dimensions and layers 128 units
    (a low-dimensional z makes the mixtures' clusters easy to carve out); on digits, 32 and 256.
    """
    torch.manual_seed(seed)
    dev = pick_device(device)
    data = datasets.get(data) if isinstance(data, str) else data
    data = data.to(dev)
    recipe = recipes.get(recipe) if isinstance(recipe, str) else recipe
    recipe = recipe.for_data(data)
    if recipe.penalty not in (None, *PENALTIES):
        raise ValueError(f"unknown penalty {recipe.penalty!r}; choose one of: {PENALTIES}")
    if recipe.pull_away and not recipe.autoencoder:
        raise ValueError("pull_away needs the autoencoder discriminator (autoencoder=True), "
                         "whose codes the pulling-away term compares")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    z_dim = z_dim or (2 if data.dim == 2 else 32)
    hidden = hidden or (128 if data.dim == 2 else 256)
    G = Generator(data.dim, z_dim, hidden, depth, tanh=data.dim > 2).to(dev)
    if recipe.autoencoder:
        D = AutoencoderEnergy(data.dim, hidden, depth).to(dev)
    else:
        D = Discriminator(data.dim, hidden, depth, recipe.spectral_norm).to(dev)
    return GAN(G, D, _optimizer(recipe, G.parameters(), recipe.lr_g),
               _optimizer(recipe, D.parameters(), recipe.lr_d), recipe, data,
               losses.get(recipe.loss, **recipe.loss_params), dev, steps)


def penalty(gan: GAN, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The recipe's unweighted penalty on D for this batch (zero when it has none)."""
    kind, D, params = gan.recipe.penalty, gan.D, gan.recipe.penalty_params
    if kind == "gp":
        return penalties.gradient_penalty(D, real, fake)
    if kind == "lp":
        return penalties.gradient_penalty(D, real, fake, one_sided=True)
    if kind == "dragan":
        return penalties.dragan_penalty(D, real, **params)
    if kind == "r1":
        return penalties.r1_penalty(D, real)
    if kind == "r2":
        return penalties.r2_penalty(D, fake)
    return torch.zeros((), device=real.device)


def _grad_norm(net: torch.nn.Module) -> torch.Tensor:
    grads = [p.grad for p in net.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def _apply(gan: GAN, which: str, loss: torch.Tensor, net: torch.nn.Module, opt) -> float:
    """Backpropagate ``loss`` and step ``opt``, unless the loss or a gradient is non-finite."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    value, norm = torch.stack([loss.detach(), _grad_norm(net)]).tolist()
    if not (math.isfinite(value) and math.isfinite(norm)):
        raise NonFiniteLossError(gan.step, which, value)
    opt.step()
    return value


def _set_learning_rates(gan: GAN) -> None:
    r = gan.recipe
    scale = max(0.0, 1 - gan.step / gan.steps_planned) if r.lr_decay else 1.0
    for opt, lr in ((gan.opt_d, r.lr_d), (gan.opt_g, r.lr_g)):
        for group in opt.param_groups:
            group["lr"] = lr * scale


def evaluate(gan: GAN, n: int = metrics.MIXTURE_SAMPLES) -> dict:
    """The dataset's metrics on n fresh samples, drawn without disturbing the training RNG."""
    devices = [gan.device] if gan.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(2**31 - 1)
        return metrics.evaluate(gan.data, gan.sample(n))


def train(gan: GAN, steps: int | None = None, *, batch_size: int = 256, eval_every: int = 0,
          progress: bool = True) -> History:
    """Run ``steps`` generator steps (default: the rest of the planned run) and return History.

    Each step: ``n_critic`` times {D's loss (+ weighted penalty), D update, weight clipping},
    then G's loss and G update. ``eval_every`` > 0 records the dataset's metrics that often.
    The progress bar (tqdm) is off when ``progress=False`` or the environment sets TQDM_DISABLE.
    """
    r, G, D, h = gan.recipe, gan.G, gan.D, gan.history
    steps = gan.steps_planned - gan.step if steps is None else steps
    if r.lr_decay and gan.step + steps > gan.steps_planned:
        raise ValueError(
            f"{r.name} decays its learning rates to zero at step {gan.steps_planned}; training "
            f"to step {gan.step + steps} would not move. Plan more steps: build(..., steps=N) "
            "or set gan.steps_planned"
        )
    start_time = time.perf_counter()
    progress = progress and not os.environ.get("TQDM_DISABLE")  # the book builds without bars
    bar = tqdm(range(steps), desc=r.name, disable=not progress, leave=False)
    for _ in bar:
        _set_learning_rates(gan)
        for _ in range(r.n_critic):
            real = gan.data.sample(batch_size)
            with torch.no_grad():
                fake = G(G.noise(batch_size))
            real_out, fake_out = D(torch.cat([real, fake])).split(batch_size)
            d_loss = gan.loss.d_loss(real_out, fake_out)
            pen = penalty(gan, real, fake) if r.penalty else None
            total = d_loss if pen is None else d_loss + r.penalty_weight * pen
            _apply(gan, "d_loss", total, D, gan.opt_d)
            if r.clip:
                penalties.clip_weights(D, r.clip)
        fake = G(G.noise(batch_size))
        g_loss = gan.loss.g_loss(D(fake))
        if r.pull_away:  # EBGAN-PT: repel the fakes' codes from each other
            g_loss = g_loss + r.pull_away * losses.pulling_away_term(D.embed(fake))
        h.g_loss.append(_apply(gan, "g_loss", g_loss, G, gan.opt_g))
        h.d_loss.append(d_loss.item())
        h.penalty.append(0.0 if pen is None else pen.item())
        h.step.append(gan.step)
        gan.step += 1
        if eval_every and gan.step % eval_every == 0:
            h.evals.append({"step": gan.step, **evaluate(gan)})
        if progress and gan.step % 50 == 0:
            bar.set_postfix(d=f"{h.d_loss[-1]:.3f}", g=f"{h.g_loss[-1]:.3f}", refresh=False)
    h.seconds += time.perf_counter() - start_time
    return h


def fit_discriminator(D: torch.nn.Module, d_loss, real, fake, steps: int = 1000, *,
                      batch_size: int = 512, lr: float = 1e-3) -> list[float]:
    """Train D alone against two fixed samplers and return its loss at every step.

    ``real`` and ``fake`` are callables ``n -> (n, dim) tensor`` (e.g. ``data.sample``, or a
    frozen generator's ``sample``); ``d_loss(real_out, fake_out)`` is any discriminator loss
    from :mod:`ganlib.losses`. With an f-GAN loss, ``-loss`` is the variational lower bound
    E_P[T] - E_Q[f*(T)] on D_f(P||Q) (Nowozin et al. 2016, eq. 4), so this doubles as an
    f-divergence estimator. Adam with ``lr``; stops with NonFiniteLossError on a non-finite loss.
    """
    opt = torch.optim.Adam(D.parameters(), lr=lr)
    out = []
    for step in range(steps):
        x_real, x_fake = real(batch_size), fake(batch_size).detach()
        real_out, fake_out = D(torch.cat([x_real, x_fake])).split([len(x_real), len(x_fake)])
        loss = d_loss(real_out, fake_out)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        value = loss.item()
        if not math.isfinite(value):
            raise NonFiniteLossError(step, "d_loss", value)
        opt.step()
        out.append(value)
    return out


# ------------------------------------------------------------------------ checkpoints


def save(gan: GAN, path) -> None:
    """Write everything needed to resume exactly: weights, optimisers, step, history, RNG."""
    torch.save({
        "recipe": gan.recipe.name, "step": gan.step, "steps_planned": gan.steps_planned,
        "G": gan.G.state_dict(), "D": gan.D.state_dict(),
        "opt_g": gan.opt_g.state_dict(), "opt_d": gan.opt_d.state_dict(),
        "history": asdict(gan.history), "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }, path)


def load(gan: GAN, path) -> GAN:
    """Restore a checkpoint into ``gan``, built with the same recipe, data and sizes."""
    state = torch.load(path, map_location=gan.device, weights_only=True)
    if state["recipe"] != gan.recipe.name:
        raise ValueError(f"checkpoint is for recipe {state['recipe']!r}, not {gan.recipe.name!r}")
    gan.G.load_state_dict(state["G"])
    gan.D.load_state_dict(state["D"])
    gan.opt_g.load_state_dict(state["opt_g"])
    gan.opt_d.load_state_dict(state["opt_d"])
    gan.step, gan.steps_planned = state["step"], state["steps_planned"]
    gan.history = History(**state["history"])
    torch.set_rng_state(state["rng_cpu"].cpu())
    if state["rng_cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["rng_cuda"]])
    return gan
