"""The Dirac-GAN: the smallest GAN, whose training dynamics can be read off exactly.

Mescheder, Geiger & Nowozin (2018), Sec. 2: the data are a point mass at 0, P = delta_0; the
generator is a point mass at theta, Q = delta_theta; the discriminator is linear,
D_psi(x) = psi * x. So D's output is 0 on the data and psi * theta on the generated sample;
theta = psi = 0 is an equilibrium, the only one for the minimax and non-saturating losses.

Nothing here retypes a loss. D's loss and G's loss are ganlib's own (``ganlib.losses.get``),
evaluated on those outputs; a penalty is ganlib's own (``ganlib.penalties``) on the critic
x -> psi * x; autograd differentiates them. Both players *descend* their losses, so the vector
field is

    (theta', psi') = (-d g_loss / d theta, -d d_loss / d psi)

with ``gamma / 2`` times the penalty added to D's loss (R1, R2 as in the paper; for WGAN-GP
gamma / 2 is Gulrajani et al.'s lambda). Instance noise of standard deviation sigma adds
N(0, sigma^2) to the real and to the generated sample; its expectations are computed by
Gauss-Hermite quadrature over the pair of noises, so the field has no sampling noise and
its Jacobian at the equilibrium, which involves only the noise's second moment, is exact for
any number of nodes >= 2.

vector_field, simulate and jacobian_eigenvalues take the same game arguments:
loss (a name from ganlib.losses.names(), except "ebgan" and "relativistic-average"),
loss_params, penalty (None, "r1", "r2", "r1r2" or "gp"), gamma, noise and nodes.
Chapter 10 uses them; tests: tests/test_dynamics.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import vmap

from ganlib import losses, penalties

METHODS = ("simultaneous", "alternating")
PENALTIES = (None, "r1", "r2", "r1r2", "gp")
_REFUSED = {
    "ebgan": "its energies must be non-negative, and the Dirac-GAN's output psi * theta "
             "takes both signs",
    "relativistic-average": "it compares each output with the other batch's mean, which a "
                            "batch of one Dirac-GAN point does not form; use 'relativistic'",
}


@dataclass(frozen=True)
class _Game:
    loss: losses.Loss
    penalty: object  # a ganlib.penalties.Penalty or None
    gamma: float
    noise: float
    nodes: torch.Tensor | None  # Gauss-Hermite nodes for the noise, or None without noise
    weights: torch.Tensor | None


def _number(value, what: str, minimum: float = -math.inf, positive: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < minimum or (positive and value <= 0):
        bound = "> 0" if positive else (f">= {minimum:g}" if minimum > -math.inf else "finite")
        raise ValueError(f"{what} must be a number {bound}, got {value!r}")
    return float(value)


def _whole(value, what: str, minimum: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _game(loss: str, loss_params: dict | None, penalty: str | None, gamma: float, noise: float,
          nodes: int) -> _Game:
    """Check every game argument up front and build the game, or raise naming the fix."""
    if loss in _REFUSED:
        raise ValueError(f"the Dirac-GAN cannot use loss {loss!r}: {_REFUSED[loss]}")
    allowed = [n for n in losses.names() if n not in _REFUSED]
    if loss not in allowed:
        raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(allowed)}")
    if penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}; choose None, 'r1', 'r2', 'r1r2' or 'gp'")
    gamma = _number(gamma, "gamma", 0.0)
    if gamma > 0 and penalty is None:
        raise ValueError(f"gamma = {gamma:g} weights a penalty, but penalty is None; pass "
                         "penalty='r1' (or 'r2', 'r1r2', 'gp'), or gamma=0")
    noise = _number(noise, "noise (the instance noise's standard deviation)", 0.0)
    nodes = _whole(nodes, "nodes (Gauss-Hermite nodes for the instance noise)", 2)
    points = weights = None
    if noise > 0:  # E f(e), e ~ N(0, s^2): sum_i w_i / sqrt(pi) f(sqrt(2) s t_i)
        t, w = np.polynomial.hermite.hermgauss(nodes)
        points = torch.tensor(math.sqrt(2) * noise * t, dtype=torch.float64)
        weights = torch.tensor(w / math.sqrt(math.pi), dtype=torch.float64)
    return _Game(losses.get(loss, **(loss_params or {})),
                 penalties.get(penalty) if penalty else None, gamma, noise, points, weights)


def _losses(game: _Game, theta: torch.Tensor, psi: torch.Tensor, with_penalty: bool = True):
    """D's and G's losses, summed over the M points (theta, psi), each (M,)."""
    d_fn, g_fn = game.loss.d_loss, game.loss.g_loss
    if game.nodes is None:  # D(0) = 0 and D(theta) = psi * theta; a batch mean, times M
        real, fake, m = psi * 0.0, psi * theta, psi.numel()
        d, g = d_fn(real, fake) * m, g_fn(fake, real) * m
    else:  # D(0 + e_i) = psi e_i and D(theta + e_j) = psi (theta + e_j), weight w_i w_j
        e, k = game.nodes, len(game.nodes)
        real = (psi[:, None, None] * e[None, :, None]).expand(-1, k, k).flatten()
        fake = (psi[:, None, None] * (theta[:, None, None] + e[None, None, :])).expand(
            -1, k, k).flatten()
        pair_w = (game.weights[:, None] * game.weights[None, :]).repeat(len(psi), 1, 1)
        one = vmap(lambda r, f: torch.stack([d_fn(r[None], f[None]), g_fn(f[None], r[None])]))
        d, g = (one(real, fake) * pair_w.flatten()[:, None]).sum(0)
    if with_penalty and game.penalty is not None and game.gamma > 0:
        d = d + game.gamma / 2 * _penalty(game, theta, psi)
    return d, g


def _penalty(game: _Game, theta: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
    """ganlib's penalty on the critic x -> psi * x, summed over the M points.

    That critic's gradient is psi at every x, so the penalty is the same on the data, the
    sample, their interpolates or their noisy copies: it is evaluated on x = 0 (R1),
    x = theta (R2) and their interpolates (WGAN-GP), one point per (theta, psi); batch mean,
    times M.
    """
    x0, x1 = torch.zeros(len(psi), 1, dtype=psi.dtype), theta.detach()[:, None]
    gen = torch.Generator().manual_seed(0)  # WGAN-GP's interpolation weights
    return len(psi) * game.penalty(lambda x: psi * x[:, 0], x0, x1, gen)


def _field(game: _Game, theta: torch.Tensor, psi: torch.Tensor, graph: bool = False,
           with_penalty: bool = True):
    """(theta', psi') at the points (theta, psi), float64 tensors that require grad."""
    d, g = _losses(game, theta, psi, with_penalty)
    (dtheta,) = torch.autograd.grad(g, theta, retain_graph=True, create_graph=graph)
    (dpsi,) = torch.autograd.grad(d, psi, create_graph=graph)
    return -dtheta, -dpsi


def vector_field(loss: str, theta, psi, *, loss_params: dict | None = None,
                 penalty: str | None = None, gamma: float = 0.0, noise: float = 0.0,
                 nodes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The Dirac-GAN's gradient field (theta', psi') at the points (theta, psi), by autograd.

    theta' = -d/dtheta E[g_loss(D_psi(theta + e'), D_psi(e))]
    psi'   = -d/dpsi  (E[d_loss(D_psi(e), D_psi(theta + e'))] + gamma/2 * penalty)

    with D_psi(x) = psi * x, e, e' ~ N(0, noise^2) (zero without noise) and ganlib's losses and
    penalties (Mescheder et al. 2018, Sec. 2 and 3). For the minimax loss, e.g., this is
    (sigma(psi theta) psi, -sigma(psi theta) theta). ``theta`` and ``psi`` are numbers or arrays
    of one shape; returns two float64 arrays of that shape.

    Chapter 10, "The Dirac-GAN" and "Regularisers"; test:
    tests/test_dynamics.py::test_field_matches_its_closed_form.
    """
    game = _game(loss, loss_params, penalty, gamma, noise, nodes)
    theta_a, psi_a = np.broadcast_arrays(np.asarray(theta, float), np.asarray(psi, float))
    if not (np.isfinite(theta_a).all() and np.isfinite(psi_a).all()):
        raise ValueError("theta and psi must be finite numbers")
    t = torch.tensor(theta_a.ravel(), dtype=torch.float64, requires_grad=True)
    p = torch.tensor(psi_a.ravel(), dtype=torch.float64, requires_grad=True)
    dt, dp = _field(game, t, p)
    return dt.numpy().reshape(theta_a.shape), dp.numpy().reshape(theta_a.shape)


def _step(game: _Game, z: torch.Tensor, lr_g: float, lr_d: float, method: str, n_d: int,
          clip: float | None) -> torch.Tensor:
    """One training step from z = (theta, psi): the map F_h whose iterates simulate() follows."""
    def field(theta, psi):
        t = torch.tensor([theta], dtype=torch.float64, requires_grad=True)
        p = torch.tensor([psi], dtype=torch.float64, requires_grad=True)
        dt, dp = _field(game, t, p)
        return dt.item(), dp.item()

    def clipped(psi):
        return min(max(psi, -clip), clip) if clip else psi

    theta, psi = z
    if method == "simultaneous":  # both gradients at the same point, then both move
        dtheta, dpsi = field(theta, psi)
        return theta + lr_g * dtheta, clipped(psi + lr_d * dpsi)
    for _ in range(n_d):  # alternating, as ganlib.train: n_d steps of D, then one of G
        psi = clipped(psi + lr_d * field(theta, psi)[1])
    return theta + lr_g * field(theta, psi)[0], psi


def _schedule(lr, lr_d, method, n_d, clip):
    lr = _number(lr, "lr", positive=True)
    lr_d = lr if lr_d is None else _number(lr_d, "lr_d", positive=True)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose 'simultaneous' or 'alternating'")
    n_d = _whole(n_d, "n_d", 1)
    if method == "simultaneous" and n_d != 1:
        raise ValueError("simultaneous updates take one D step per G step; set n_d=1 or use "
                         "method='alternating'")
    if clip is not None:
        clip = _number(clip, "clip", positive=True)
    return lr, lr_d, n_d, clip


def simulate(loss: str, theta0: float, psi0: float, *, lr: float = 0.1, steps: int = 500,
             method: str = "simultaneous", n_d: int = 1, lr_d: float | None = None,
             clip: float | None = None, loss_params: dict | None = None,
             penalty: str | None = None, gamma: float = 0.0, noise: float = 0.0,
             nodes: int = 10) -> np.ndarray:
    """Train the Dirac-GAN by gradient descent from (theta0, psi0); the trajectory, (steps+1, 2).

    simultaneous: (theta, psi) <- (theta + h theta'(theta, psi), psi + h_d psi'(theta, psi))
    alternating:  n_d times psi <- psi + h_d psi'(theta, psi); then theta <- theta + h theta'
                  (D first, as ganlib.train does; Mescheder et al.'s code moves G first)

    h = ``lr`` is G's step and h_d = ``lr_d`` D's (default: ``lr``; two time-scales otherwise).
    ``clip`` = c clamps psi to [-c, c] after every D step (WGAN's weight clipping). Row k is the
    point after k steps, row 0 the start. Plain gradient descent: no momentum, no Adam.

    Chapter 10, "Simultaneous and alternating steps" and "Vector fields and trajectories"; test:
    tests/test_dynamics.py::test_simultaneous_steps_spiral_out_and_alternating_ones_cycle.
    """
    lr, lr_d, n_d, clip = _schedule(lr, lr_d, method, n_d, clip)
    steps = _whole(steps, "steps", 0)
    game = _game(loss, loss_params, penalty, gamma, noise, nodes)
    out = [(_number(theta0, "theta0"), _number(psi0, "psi0"))]
    for _ in range(steps):
        out.append(_step(game, out[-1], lr, lr_d, method, n_d, clip))
        if not all(map(math.isfinite, out[-1])):
            raise ValueError(f"the trajectory left the floating-point range after {len(out)} "
                             "steps; lower lr or the number of steps")
    return np.array(out)


def jacobian_eigenvalues(loss: str, *, lr: float | None = None, method: str = "simultaneous",
                         n_d: int = 1, lr_d: float | None = None,
                         loss_params: dict | None = None, penalty: str | None = None,
                         gamma: float = 0.0, noise: float = 0.0, nodes: int = 10) -> np.ndarray:
    """Eigenvalues of a Jacobian at the equilibrium theta = psi = 0, by autograd; sorted.

    Without ``lr``: of the vector field's Jacobian v'(0, 0) (Mescheder et al. 2018, Sec. 2):
    +-f'(0) i for the unregularised minimax and non-saturating GANs, f'(0) = 1/2;
    -gamma/2 +- sqrt(gamma^2/4 - f'(0)^2) with R1 or R2 (Sec. 3, zero-centred penalties);
    f''(0) sigma^2 +- sqrt(f''(0)^2 sigma^4 - f'(0)^2), f''(0) = -1/4, with instance noise
    (Sec. 3). With ``lr``: of the update map F_h of :func:`simulate` (same method, n_d, lr_d),
    by the chain rule from v'(0, 0): 1 + h lambda for simultaneous steps (one step size h);
    for unregularised alternating ones, modulus 1 while alpha = sqrt(n_d h h_d) f'(0) <= 2
    (Mescheder et al. 2017; 2018, Sec. 2).
    Training converges locally when every eigenvalue of F_h has modulus < 1. Returns a
    complex array of two.

    The WGAN-GP penalty (|psi| - 1)^2 has no derivative at psi = 0, so it is refused here.

    Chapter 10, "Eigenvalues at the equilibrium"; tests:
    tests/test_dynamics.py::test_unregularised_eigenvalues_are_plus_minus_half_i,
    tests/test_dynamics.py::test_zero_centred_penalty_eigenvalues and
    tests/test_dynamics.py::test_update_maps_with_two_step_sizes_and_a_penalty.
    """
    game = _game(loss, loss_params, penalty, gamma, noise, nodes)  # checks every argument
    if penalty == "gp" and game.gamma > 0:
        raise ValueError("the WGAN-GP penalty gamma/2 (|psi| - 1)^2 is not differentiable at "
                         "the equilibrium psi = 0, so its Jacobian does not exist there; "
                         "simulate() the game instead")

    def v(z):  # the field of the losses; the penalty's part is added below
        return torch.cat(_field(game, z[:1], z[1:], graph=True, with_penalty=False))

    jac = torch.autograd.functional.jacobian(v, torch.zeros(2, dtype=torch.float64)).numpy()
    if game.penalty is not None and game.gamma > 0:
        # R1 and R2 are ||grad_x D_psi||^2 = psi^2 (R1 + R2: 2 psi^2), quadratic in psi, so
        # their curvature is the same at every psi; autograd's norm has no derivative at
        # psi = 0, so take it at psi = 1.
        def r(p):
            return _penalty(game, torch.zeros(1, dtype=torch.float64), p)

        curvature = torch.autograd.functional.hessian(r, torch.ones(1, dtype=torch.float64))
        jac[1, 1] -= game.gamma / 2 * curvature.item()
    if lr is not None:  # chain rule through one step: each sub-step starts at the fixed point 0
        lr, lr_d, n_d, _ = _schedule(lr, lr_d, method, n_d, None)
        d_step = np.array([[1.0, 0.0], [lr_d * jac[1, 0], 1 + lr_d * jac[1, 1]]])
        g_step = np.array([[1 + lr * jac[0, 0], lr * jac[0, 1]], [0.0, 1.0]])
        if method == "simultaneous":
            jac = np.eye(2) + np.diag([lr, lr_d]) @ jac
        else:
            jac = g_step @ np.linalg.matrix_power(d_step, n_d)
    values = np.linalg.eigvals(jac)
    return values[np.lexsort((values.imag, values.real))]


def plot_trajectory(ax, loss: str, theta0: float = 1.0, psi0: float = 1.0, *,
                    extent: float = 2.0, arrows: int = 15, **kwargs) -> np.ndarray:
    """Draw the Dirac-GAN's field (unit arrows) and one trajectory on a matplotlib axis.

    ``kwargs`` are :func:`simulate`'s (lr, steps, method, n_d, lr_d, clip) and the game's
    (loss_params, penalty, gamma, noise, nodes); the arrows show the field of the same game on
    [-extent, extent]^2. Clipping's bounds psi = +-c are dashed. Returns the trajectory, so a
    caller (chapter 10's interactive control, which redraws on every change) can report on it.

    Chapter 10, "Try it"; test:
    tests/test_dynamics.py::test_plot_trajectory_draws_what_simulate_returns.
    """
    game_args = {k: kwargs[k] for k in ("loss_params", "penalty", "gamma", "noise", "nodes")
                 if k in kwargs}
    path = simulate(loss, theta0, psi0, **kwargs)
    grid = np.linspace(-extent, extent, arrows)
    theta, psi = np.meshgrid(grid, grid)
    dt, dp = vector_field(loss, theta, psi, **game_args)
    size = np.hypot(dt, dp)
    size[size == 0] = 1.0
    ax.quiver(theta, psi, dt / size, dp / size, color="0.6", angles="xy", pivot="mid",
              scale=arrows * 1.6, width=0.004)
    if kwargs.get("clip"):
        for c in (-kwargs["clip"], kwargs["clip"]):
            ax.axhline(c, color="0.4", ls="--", lw=0.8)
    ax.plot(path[:, 0], path[:, 1], color="C0", lw=1)
    ax.plot(*path[0], "o", color="C0", ms=4)
    ax.plot(0, 0, "*", color="C3", ms=9)
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), aspect="equal",
           xlabel=r"$\theta$ (generator)", ylabel=r"$\psi$ (discriminator)")
    return path
