"""The Dirac-GAN (ganlib.dynamics) against Mescheder, Geiger & Nowozin (2018)'s analysis.

Every expected value here is computed independently: fields from their closed forms in numpy,
noisy fields by scipy quadrature, eigenvalues from the paper's formulas, update maps by finite
differences of simulate().
"""

import math

import matplotlib
import numpy as np
import pytest
from scipy import integrate, stats

from ganlib import dynamics, losses

matplotlib.use("Agg")


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


THETA, PSI = np.meshgrid(np.linspace(-2.5, 2.5, 9), np.linspace(-2, 2, 7))
# Each loss's field (theta', psi') in closed form, from D(0) = 0 and D(theta) = psi theta.
CLOSED_FORMS = {
    "minimax": lambda t, p: (sigmoid(p * t) * p, -sigmoid(p * t) * t),
    "nonsaturating": lambda t, p: (sigmoid(-p * t) * p, -sigmoid(p * t) * t),
    "relativistic": lambda t, p: (sigmoid(-p * t) * p, -sigmoid(p * t) * t),
    "wgan": lambda t, p: (p, -t),
    "hinge": lambda t, p: (p, -t * (1 + p * t > 0)),
    "lsgan": lambda t, p: ((1 - p * t) * p, -p * t**2),
}


@pytest.mark.parametrize("loss", list(CLOSED_FORMS))
def test_field_matches_its_closed_form(loss):
    """The field of every loss in closed form (the minimax one is the paper's Sec. 2 with
    the sign of psi flipped: its D maximises, ganlib's descends), and R1/R2 and WGAN-GP's."""
    expected = CLOSED_FORMS[loss](THETA, PSI)
    got = dynamics.vector_field(loss, THETA, PSI)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    for penalty, extra in (("r1", -0.7 * PSI), ("r2", -0.7 * PSI),
                           ("gp", -0.7 * (np.abs(PSI) - 1) * np.sign(PSI))):
        got = dynamics.vector_field(loss, THETA, PSI, penalty=penalty, gamma=0.7)
        np.testing.assert_allclose(got[0], expected[0], atol=1e-12)
        np.testing.assert_allclose(got[1], expected[1] + extra, atol=1e-12)


def expectation(fn, s):
    """E fn(e), e ~ N(0, s^2), by scipy's adaptive quadrature."""
    return integrate.quad(lambda x: fn(x) * stats.norm.pdf(x, 0, s), -12 * s, 12 * s,
                          epsabs=1e-13)[0]


@pytest.mark.parametrize("theta, psi", [(1.0, 1.0), (-0.4, 1.7), (2.0, -0.3)])
def test_instance_noise_field_matches_scipy_quadrature(theta, psi):
    """minimax with N(0, s^2) noise on both samples, against scipy's adaptive quadrature:
    theta' = E[sigma(psi (theta + e')) psi],
    psi' = E[sigma(-psi e) e] - E[sigma(psi (theta + e')) (theta + e')]."""
    s = 0.7
    expected = (expectation(lambda x: sigmoid(psi * (theta + x)) * psi, s),
                expectation(lambda x: sigmoid(-psi * x) * x, s)
                - expectation(lambda x: sigmoid(psi * (theta + x)) * (theta + x), s))
    got = dynamics.vector_field("minimax", theta, psi, noise=s, nodes=20)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_every_loss_batches_like_single_points_and_is_stationary_at_zero():
    allowed = [n for n in losses.names() if n not in ("ebgan", "relativistic-average")]
    t, p = np.array([0.3, -1.2, 0.8]), np.array([0.5, 0.4, -1.1])
    for loss in allowed:
        for noise in (0.0, 0.5):
            batch = dynamics.vector_field(loss, t, p, noise=noise, nodes=4)
            single = [dynamics.vector_field(loss, a, b, noise=noise, nodes=4)
                      for a, b in zip(t, p)]
            np.testing.assert_allclose(np.array(batch).T, np.array(single), atol=1e-12,
                                       err_msg=loss)
            at_zero = dynamics.vector_field(loss, 0.0, 0.0, noise=noise, nodes=4)
            assert np.abs(at_zero).max() < 1e-12, (loss, at_zero)


@pytest.mark.parametrize("loss, f_prime", [("minimax", 0.5), ("nonsaturating", 0.5),
                                           ("relativistic", 0.5), ("wgan", 1.0),
                                           ("hinge", 1.0)])
def test_unregularised_eigenvalues_are_plus_minus_half_i(loss, f_prime):
    """+-f'(0) i: f(t) = -log(1 + e^-t) has f'(0) = 1/2 (minimax, non-saturating, and the
    relativistic pairing loss, whose real output D(0) is 0); WGAN's and hinge's f'(0) = 1."""
    values = dynamics.jacobian_eigenvalues(loss)
    np.testing.assert_allclose(values, [-1j * f_prime, 1j * f_prime], atol=1e-12)


@pytest.mark.parametrize("penalty", ["r1", "r2"])
@pytest.mark.parametrize("gamma", [0.3, 1.0, 3.0])
def test_zero_centred_penalty_eigenvalues(penalty, gamma):
    """-gamma/2 +- sqrt(gamma^2/4 - f'(0)^2), a double root -1/2 at gamma = 2 f'(0) = 1, and
    gradient descent converges to the equilibrium (Mescheder et al. 2018, Sec. 3)."""
    root = np.sqrt(complex(gamma**2 / 4 - 0.25))
    expected = np.sort_complex(np.array([-gamma / 2 - root, -gamma / 2 + root]))
    got = dynamics.jacobian_eigenvalues("minimax", penalty=penalty, gamma=gamma)
    atol = 1e-7 if gamma == 1.0 else 1e-12  # a double root is found to sqrt(machine eps)
    np.testing.assert_allclose(np.sort_complex(got), expected, atol=atol)
    assert max(got.real) < 0
    for method in ("simultaneous", "alternating"):
        path = dynamics.simulate("minimax", 1.0, 1.0, lr=0.1, steps=1500, method=method,
                                 penalty=penalty, gamma=gamma)
        assert np.hypot(*path[-1]) < 1e-3, (method, path[-1])


@pytest.mark.parametrize("gamma", [0.2, 1.5])
def test_r3gan_penalty_doubles_the_damping(gamma):
    """R1 + R2 (chapter 7's R3GAN regulariser) is 2 psi^2 here: -gamma +- sqrt(gamma^2 - 1/4)
    with the relativistic pairing loss."""
    root = np.sqrt(complex(gamma**2 - 0.25))
    got = dynamics.jacobian_eigenvalues("relativistic", penalty="r1r2", gamma=gamma)
    np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(
        np.array([-gamma - root, -gamma + root])), atol=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 0.7, 2.0])
def test_instance_noise_eigenvalues(sigma):
    """f''(0) s^2 +- sqrt(f''(0)^2 s^4 - f'(0)^2), f''(0) = -1/4 (Sec. 3); a linear f
    (WGAN) has f''(0) = 0, and noise leaves its eigenvalues at +-i."""
    a = -0.25 * sigma**2
    root = np.sqrt(complex(a**2 - 0.25))
    for loss in ("minimax", "nonsaturating"):
        got = dynamics.jacobian_eigenvalues(loss, noise=sigma)
        np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(
            np.array([a - root, a + root])), atol=1e-12)
    np.testing.assert_allclose(dynamics.jacobian_eigenvalues("wgan", noise=sigma), [-1j, 1j],
                               atol=1e-12)


def test_instance_noise_converges():
    path = dynamics.simulate("minimax", 1.0, 1.0, lr=0.2, steps=400, method="alternating",
                             noise=0.7)
    assert np.hypot(*path[-1]) < 1e-3, path[-1]


def update_map_by_differences(loss, lr, method, n_d, step=1e-6, **kwargs):
    """The Jacobian of one simulate() step at the equilibrium, by central differences."""
    columns = []
    for u in np.eye(2):
        ahead = dynamics.simulate(loss, *(step * u), lr=lr, steps=1, method=method, n_d=n_d,
                                  **kwargs)
        back = dynamics.simulate(loss, *(-step * u), lr=lr, steps=1, method=method, n_d=n_d,
                                 **kwargs)
        columns.append((ahead[1] - back[1]) / (2 * step))
    return np.linalg.eigvals(np.array(columns).T)


def test_update_maps_with_two_step_sizes_and_a_penalty():
    """Two time-scales (h for G, h_d for D): a simultaneous step has 1 +- i f'(0) sqrt(h h_d),
    an alternating one modulus 1 with alpha = sqrt(n_d h h_d) f'(0) (chapter 10's TTUR
    exercise); with R1 (psi' gains -gamma psi) the chain rule through n_d D steps and one G step
    must agree with finite differences of simulate()."""
    h, h_d = 0.05, 0.8
    sim = dynamics.jacobian_eigenvalues("minimax", lr=h, lr_d=h_d)
    np.testing.assert_allclose(np.sort_complex(sim), [1 - 0.1j, 1 + 0.1j], atol=1e-12)
    a = math.sqrt(3 * h * h_d) * 0.5
    b = 1 - a**2 / 2
    alt = dynamics.jacobian_eigenvalues("minimax", lr=h, lr_d=h_d, method="alternating", n_d=3)
    np.testing.assert_allclose(np.sort_complex(alt), np.sort_complex(
        np.array([b - np.sqrt(complex(b**2 - 1)), b + np.sqrt(complex(b**2 - 1))])), atol=1e-12)
    for method, n_d in (("simultaneous", 1), ("alternating", 3)):
        kwargs = dict(lr_d=h_d, penalty="r1", gamma=0.6)
        got = dynamics.jacobian_eigenvalues("nonsaturating", lr=h, method=method, n_d=n_d,
                                            **kwargs)
        differences = update_map_by_differences("nonsaturating", h, method, n_d, **kwargs)
        np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(differences),
                                   atol=1e-7)
        assert np.abs(got).max() < 1, (method, got)  # R1 makes both kinds of step contract


def test_simultaneous_steps_spiral_out_and_alternating_ones_cycle():
    h = 0.2
    # simultaneous: eigenvalues 1 + h lambda = 1 +- h/2 i, modulus sqrt(1 + h^2/4) > 1
    sim = dynamics.jacobian_eigenvalues("minimax", lr=h)
    np.testing.assert_allclose(np.sort_complex(sim), [1 - 0.1j, 1 + 0.1j], atol=1e-12)
    np.testing.assert_allclose(np.sort_complex(update_map_by_differences("minimax", h,
                                                                         "simultaneous", 1)),
                               [1 - 0.1j, 1 + 0.1j], atol=1e-8)
    # and the norm grows at every step, r_k^2 = r_{k-1}^2 (1 + h^2 sigma(theta psi)^2) exactly
    path = dynamics.simulate("minimax", 1.0, 1.0, lr=h, steps=300)
    r2 = (path**2).sum(1)
    np.testing.assert_allclose(r2[1:], r2[:-1] * (1 + h**2 * sigmoid(path[:-1].prod(1))**2),
                               rtol=1e-12)
    assert r2[-1] > 3 * r2[0]
    # alternating: 1 - a^2/2 +- sqrt((1 - a^2/2)^2 - 1), a = sqrt(n_d) h f'(0); modulus 1 for a <= 2
    for lr, n_d in ((0.2, 1), (0.2, 5), (1.0, 5), (5.0, 1)):
        a = math.sqrt(n_d) * lr * 0.5
        b = 1 - a**2 / 2
        expected = np.sort_complex(np.array([b - np.sqrt(complex(b**2 - 1)),
                                             b + np.sqrt(complex(b**2 - 1))]))
        got = dynamics.jacobian_eigenvalues("minimax", lr=lr, method="alternating", n_d=n_d)
        np.testing.assert_allclose(np.sort_complex(got), expected, atol=1e-12)
        differences = update_map_by_differences("minimax", lr, "alternating", n_d)
        np.testing.assert_allclose(np.sort_complex(differences), expected, atol=1e-7)
        if a <= 2:
            np.testing.assert_allclose(np.abs(got), 1, atol=1e-12)
        else:
            assert np.abs(got).max() > 1
    # ... and the minimax trajectory stays on a band around its start, neither in nor out
    r = np.hypot(*dynamics.simulate("minimax", 1.0, 1.0, lr=h, steps=3000,
                                    method="alternating").T)
    assert 0.9 * r[0] < r.min() and r.max() < 1.01 * r[0] and r[-500:].min() > 0.9 * r[0]


def test_alternating_steps_on_the_wgan_conserve_a_quadratic():
    """D first then G on theta' = psi, psi' = -theta is a linear map of determinant 1 that
    keeps theta^2 + psi^2 - h theta psi fixed: an ellipse, traversed forever."""
    h = 0.3
    theta, psi = dynamics.simulate("wgan", 0.8, -1.1, lr=h, steps=400, method="alternating").T
    q = theta**2 + psi**2 - h * theta * psi
    np.testing.assert_allclose(q, q[0], rtol=1e-12)


def test_wgan_with_clipping_or_gradient_penalty_does_not_converge():
    """Mescheder et al.'s notebook settings: h = 0.2 from (1, 1), clip 1; WGAN-GP's penalty
    (|psi| - 1)^2 with gamma = 0.7 (their reg). Neither approaches the equilibrium."""
    for kwargs in (dict(clip=1.0), dict(penalty="gp", gamma=0.7)):
        for method in ("simultaneous", "alternating"):
            path = dynamics.simulate("wgan", 1.0, 1.0, lr=0.2, steps=600, method=method,
                                     **kwargs)
            r = np.hypot(*path[-200:].T)
            assert r.min() > 0.3 and r.max() < 3, (kwargs, method, r.min(), r.max())
            if "clip" in kwargs:
                assert np.abs(path[1:, 1]).max() <= 1.0
    with pytest.raises(ValueError, match="not differentiable"):
        dynamics.jacobian_eigenvalues("wgan", penalty="gp", gamma=0.7)


def test_nonsaturating_simultaneous_steps_settle_on_a_cycle():
    """The non-saturating field pulls in at fourth order (d/dt r^2 = -2 t tanh(t/2),
    t = theta psi) while simultaneous steps push out by h^2 r^2 / 4 a step: the mean radius
    settles where they balance, r^2 = 2h (chapter 10's exercise)."""
    h = 0.2
    r = np.hypot(*dynamics.simulate("nonsaturating", 1.0, 1.0, lr=h, steps=1500).T)
    assert abs(r[-300:].mean() / math.sqrt(2 * h) - 1) < 0.01, r[-300:].mean()


def test_lsgan_has_a_line_of_stationary_points():
    """D(0) = 0 whatever psi, so LSGAN's real term cannot move D; with psi = 0 the fake term
    is at its target a = 0 and G gets no gradient: every (theta, 0) is stationary."""
    theta = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(dynamics.vector_field("lsgan", theta, 0 * theta), 0)
    np.testing.assert_allclose(dynamics.jacobian_eigenvalues("lsgan"), [0, 0], atol=1e-12)
    end = dynamics.simulate("lsgan", 1.0, 1.0, lr=0.2, steps=500, method="alternating")[-1]
    assert abs(end[1]) < 1e-6 and end[0] > 1, end


def test_plot_trajectory_draws_what_simulate_returns():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    kwargs = dict(lr=0.3, steps=50, method="alternating", n_d=2, penalty="r1", gamma=0.5)
    path = dynamics.plot_trajectory(ax, "nonsaturating", 1.0, -0.5, **kwargs)
    np.testing.assert_array_equal(path, dynamics.simulate("nonsaturating", 1.0, -0.5, **kwargs))
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), path)
    plt.close(fig)


@pytest.mark.parametrize("call, message", [
    (lambda: dynamics.vector_field("nope", 0, 0), "choose one of: minimax"),
    (lambda: dynamics.vector_field("ebgan", 0, 0), "non-negative"),
    (lambda: dynamics.vector_field("relativistic-average", 0, 0), "use 'relativistic'"),
    (lambda: dynamics.vector_field("minimax", 0, 0, penalty="dragan"), "choose None, 'r1'"),
    (lambda: dynamics.vector_field("minimax", 0, 0, gamma=1.0), "pass penalty='r1'"),
    (lambda: dynamics.vector_field("minimax", 0, 0, noise=-1.0), "standard deviation"),
    (lambda: dynamics.vector_field("minimax", 0, 0, noise=0.5, nodes=1), "nodes"),
    (lambda: dynamics.vector_field("minimax", float("nan"), 0), "finite"),
    (lambda: dynamics.vector_field("lsgan", 0, 0, loss_params={"d": 1}), "bad parameters"),
    (lambda: dynamics.simulate("minimax", 1, 1, method="sideways"), "'alternating'"),
    (lambda: dynamics.simulate("minimax", 1, 1, n_d=2), "set n_d=1"),
    (lambda: dynamics.simulate("minimax", 1, 1, lr=0), "lr must be a number > 0"),
    (lambda: dynamics.simulate("minimax", 1, 1, steps=2.5), "steps must be a whole number"),
    (lambda: dynamics.simulate("minimax", 1, 1, clip=-1.0), "clip"),
    (lambda: dynamics.simulate("wgan", 1e300, 1e300, lr=1e10, steps=5), "lower lr"),
    (lambda: dynamics.jacobian_eigenvalues("wgan", penalty="gp", gamma="1"), "gamma must be"),
])
def test_arguments_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()
