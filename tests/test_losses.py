"""Every loss against its formula computed independently in float64, plus the edges."""

import math

import numpy as np
import pytest
import torch

from ganlib import fdiv, losses


def softplus64(x):
    return np.logaddexp(0.0, x)


def sigmoid64(x):
    return 1 / (1 + np.exp(-x))


@pytest.fixture
def outs():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(64, generator=g) * 3
    fake = torch.randn(64, generator=g) * 3 - 1
    return real, fake, real.double().numpy(), fake.double().numpy()


def test_minimax_matches_the_value_function(outs):
    real, fake, r, f = outs
    # V(D, G) = E log D(x) + E log(1 - D(G(z))), D = sigmoid(logit); D minimises -V.
    v = np.mean(np.log(sigmoid64(r))) + np.mean(np.log(1 - sigmoid64(f)))
    assert losses.minimax_d_loss(real, fake).item() == pytest.approx(-v, abs=1e-5)
    assert losses.minimax_g_loss(fake).item() == pytest.approx(
        np.mean(np.log(1 - sigmoid64(f))), abs=1e-5)


def test_nonsaturating_is_minus_log_d(outs):
    _, fake, _, f = outs
    assert losses.nonsaturating_g_loss(fake).item() == pytest.approx(
        -np.mean(np.log(sigmoid64(f))), abs=1e-5)


def test_minimax_and_nonsaturating_g_differ_where_d_rejects():
    # The widely copied mistake: calling softplus(-x) "minimax". They differ in value and slope.
    fake = torch.full((8,), -6.0, requires_grad=True)
    losses.minimax_g_loss(fake).backward()
    saturating = fake.grad.sum().item()
    fake.grad = None
    losses.nonsaturating_g_loss(fake).backward()
    nonsaturating = fake.grad.sum().item()
    assert abs(saturating) == pytest.approx(sigmoid64(-6.0), rel=1e-4)  # ~0.0025: vanishing
    assert abs(nonsaturating) == pytest.approx(1 - sigmoid64(-6.0), rel=1e-4)  # ~1


@pytest.mark.parametrize("a,b,c", [(0, 1, 1), (-1, 1, 0)])
def test_lsgan(outs, a, b, c):
    real, fake, r, f = outs
    d = 0.5 * np.mean((r - b) ** 2) + 0.5 * np.mean((f - a) ** 2)
    loss = losses.get("lsgan", a=a, b=b, c=c)
    assert loss.d_loss(real, fake).item() == pytest.approx(d, rel=1e-5)
    assert loss.g_loss(fake).item() == pytest.approx(0.5 * np.mean((f - c) ** 2), rel=1e-5)


def test_wgan_and_hinge(outs):
    real, fake, r, f = outs
    assert losses.wgan_d_loss(real, fake).item() == pytest.approx(f.mean() - r.mean(), abs=1e-5)
    assert losses.wgan_g_loss(fake).item() == pytest.approx(-f.mean(), abs=1e-5)
    hinge = np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f))
    assert losses.hinge_d_loss(real, fake).item() == pytest.approx(hinge, abs=1e-5)
    assert losses.hinge_g_loss(fake).item() == pytest.approx(-f.mean(), abs=1e-5)


def test_ebgan(outs):
    real, fake, r, f = outs
    er, ef = torch.abs(real), torch.abs(fake)
    m = 2.0
    d = np.mean(np.abs(r)) + np.mean(np.maximum(0, m - np.abs(f)))
    assert losses.ebgan_d_loss(er, ef, margin=m).item() == pytest.approx(d, abs=1e-5)
    assert losses.ebgan_g_loss(ef).item() == pytest.approx(np.mean(np.abs(f)), abs=1e-5)
    with pytest.raises(ValueError, match="non-negative"):
        losses.ebgan_d_loss(real, ef)


def test_pulling_away_term():
    assert losses.pulling_away_term(torch.eye(4)).item() == pytest.approx(0.0, abs=1e-7)
    same = torch.ones(5, 3) * torch.tensor([1.0, 2.0, 3.0])
    assert losses.pulling_away_term(same).item() == pytest.approx(1.0, abs=1e-6)
    s = np.random.default_rng(1).standard_normal((6, 5))
    n = s / np.linalg.norm(s, axis=1, keepdims=True)
    c = (n @ n.T) ** 2
    expected = (c.sum() - np.trace(c)) / (6 * 5)
    got = losses.pulling_away_term(torch.tensor(s, dtype=torch.float32)).item()
    assert got == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="two"):
        losses.pulling_away_term(torch.ones(1, 3))


def _inverse_activation(name, t):
    """V with g_f(V) = T for each row, written independently of ganlib."""
    return {
        "kl": lambda t: t, "pearson": lambda t: t,
        "reverse-kl": lambda t: -np.log(-t),
        "neyman": lambda t: -np.log(1 - t), "hellinger": lambda t: -np.log(1 - t),
        "js": lambda t: -np.log(2 * np.exp(-t) - 1),
        "gan": lambda t: -np.log(np.exp(-t) - 1),
        "tv": lambda t: np.where(t > 0, 40.0, -40.0),
    }[name](t)


@pytest.mark.parametrize("name", fdiv.names())
def test_fgan_bound_is_attained_at_f_prime_of_ratio(name):
    # P and Q on four points with rational weights, so a batch can hold them exactly.
    p_counts, q_counts = np.array([1, 2, 3, 6]), np.array([3, 4, 2, 3])
    p, q = p_counts / 12, q_counts / 12
    row = fdiv.get(name)
    t_star = row.f_prime(torch.tensor(p / q)).numpy()
    v = _inverse_activation(name, t_star)
    real = torch.tensor(np.repeat(v, p_counts), dtype=torch.float64)
    fake = torch.tensor(np.repeat(v, q_counts), dtype=torch.float64)
    estimate = -losses.fgan_d_loss(real, fake, name).item()
    exact = row.divergence(torch.tensor(p), torch.tensor(q)).item()
    assert estimate == pytest.approx(exact, rel=1e-6, abs=1e-9)
    # and any other T gives less: the bound is a lower bound
    worse = -losses.fgan_d_loss(real + 0.3, fake + 0.3, name).item()
    assert worse < exact + 1e-12


def test_fgan_generator_updates(outs):
    _, fake, _, f = outs
    # "gan" row: the saddle-point G loss is the minimax one, the alternative the non-saturating.
    assert losses.fgan_g_loss(fake, "gan").item() == pytest.approx(
        losses.minimax_g_loss(fake).item(), abs=1e-6)
    assert losses.fgan_g_loss(fake, "gan", alternative=True).item() == pytest.approx(
        losses.nonsaturating_g_loss(fake).item(), abs=1e-6)
    # KL row: saddle -E exp(V - 1); alternative -E V
    assert losses.get("fgan-kl").g_loss(fake).item() == pytest.approx(
        -np.mean(np.exp(f - 1)), rel=1e-5)
    assert losses.get("fgan-kl", alternative=True).g_loss(fake).item() == pytest.approx(
        -f.mean(), abs=1e-5)


def test_gan_row_d_loss_is_minimax_minus_log4(outs):
    real, fake, _, _ = outs
    assert losses.fgan_d_loss(real, fake, "gan").item() == pytest.approx(
        losses.minimax_d_loss(real, fake).item(), abs=1e-5)


def _finite_at(name, dtype, real_value, fake_value, **params):
    """Both losses and all gradients at constant outputs: are they finite?"""
    loss = losses.get(name, **params)
    real = torch.full((64,), real_value, dtype=dtype, requires_grad=True)
    fake = torch.full((64,), fake_value, dtype=dtype, requires_grad=True)
    total = loss.d_loss(real, fake) + loss.g_loss(fake, real)
    total.backward()
    return bool(torch.isfinite(total) and torch.isfinite(real.grad).all()
                and torch.isfinite(fake.grad).all())


FGAN_UPDATES = [(n, {}) for n in losses.names()] + [
    (n, {"alternative": True}) for n in losses.names() if n.startswith("fgan-")]


@pytest.mark.parametrize("name, params", FGAN_UPDATES, ids=lambda x: str(x))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_finite_exactly_where_stated(name, params, dtype):
    # losses.finite_range states where each loss is finite; check every corner of that box,
    # and that one unit past an end that is not +-100 (or 0 for energies) it does overflow.
    # Each side is checked with the other side's outputs at a moderate value (1.0): with both
    # at their float32 ends, two means near 3.4e38 add up past it -- as their true sum does.
    ranges = losses.finite_range(name, dtype, **params)
    for side, (lo, hi) in ranges.items():
        for end, past in ((lo, lo - 1), (hi, hi + 1)):
            r, f = (end, 1.0) if side == "real" else (1.0, end)
            assert _finite_at(name, dtype, r, f, **params), (side, end)
            if abs(end) in (0.0, 100.0):
                continue
            r, f = (past, 1.0) if side == "real" else (1.0, past)
            assert not _finite_at(name, dtype, r, f, **params), (side, past)
    if name not in ("fgan-kl", "fgan-reverse-kl", "fgan-neyman", "fgan-hellinger"):
        (r_lo, r_hi), (f_lo, f_hi) = ranges["real"], ranges["fake"]
        for r in (r_lo, r_hi):  # no exponential: every corner at once is finite too
            for f in (f_lo, f_hi):
                assert _finite_at(name, dtype, r, f, **params), (r, f)
    if dtype == torch.float64 or not name.startswith(("fgan-kl", "fgan-reverse-kl",
                                                       "fgan-neyman", "fgan-hellinger")):
        lo = 0.0 if name == "ebgan" else -100.0
        assert ranges == {"real": (lo, 100.0), "fake": (lo, 100.0)}, ranges


def test_the_stated_float32_ends():
    # The numbers the module docstring and chapter 1 give.
    assert math.log(torch.finfo(torch.float32).max) == pytest.approx(88.7228, abs=1e-4)
    assert losses.finite_range("fgan-kl")["fake"][1] == 89.72
    assert losses.finite_range("fgan-reverse-kl")["real"][0] == -88.72
    assert losses.finite_range("fgan-hellinger") == {"real": (-88.72, 100.0),
                                                     "fake": (-100.0, 88.72)}
    assert losses.finite_range("fgan-neyman")["fake"] == (-100.0, 100.0)  # e^(-v/2): -177


def test_batch_size_does_not_move_the_overflow():
    # exp averaged in log space: 4,096 samples at v = 89 are as finite as one.
    for n in (1, 4096):
        v = torch.full((n,), 89.0)
        assert torch.isfinite(losses.fgan_g_loss(v, "kl"))


@pytest.mark.parametrize("name", losses.names())
def test_nan_outputs_give_a_nan_loss(name):
    # Documented behaviour: no check (it would cost a sync); the NaN reaches the loss, where
    # the training loop stops and names it.
    loss = losses.get(name)
    real, fake = torch.tensor([1.0, float("nan")]), torch.tensor([0.5, 0.7])
    assert torch.isnan(loss.d_loss(real, fake))
    assert torch.isnan(loss.g_loss(real.flip(0) * 0 + torch.tensor([0.5, float("nan")]), real))


def test_relativistic_losses(outs):
    real, fake, r, f = outs
    pair = losses.get("relativistic")
    assert pair.g_needs_real
    assert pair.d_loss(real, fake).item() == pytest.approx(np.mean(softplus64(f - r)), rel=1e-5)
    assert pair.g_loss(fake, real).item() == pytest.approx(np.mean(softplus64(r - f)), rel=1e-5)
    avg = losses.get("relativistic-average")
    d = np.mean(-np.log(sigmoid64(r - f.mean()))) + np.mean(-np.log(1 - sigmoid64(f - r.mean())))
    g = np.mean(-np.log(sigmoid64(f - r.mean()))) + np.mean(-np.log(1 - sigmoid64(r - f.mean())))
    assert avg.d_loss(real, fake).item() == pytest.approx(d, rel=1e-5)
    assert avg.g_loss(fake, real).item() == pytest.approx(g, rel=1e-5)
    with pytest.raises(ValueError, match="needs the real outputs"):
        pair.g_loss(fake)
    with pytest.raises(ValueError, match="draw equal batches"):
        pair.d_loss(real, fake[:10])


def test_hinge_is_wgan_clipped_at_the_margin(outs):
    # hinge d = 2 + E[max(D(fake), -1)] - E[min(D(real), 1)]: the WGAN critic loss on outputs
    # clipped at the margins, so real outputs above 1 and fake ones below -1 get no gradient.
    real, fake, r, f = outs
    assert (r > 1).any() and (f < -1).any() and (r < 1).any() and (f > -1).any()
    clipped = 2 + np.mean(np.maximum(f, -1)) - np.mean(np.minimum(r, 1))
    real64, fake64 = (torch.tensor(v, requires_grad=True) for v in (r, f))
    d = losses.hinge_d_loss(real64, fake64)
    assert d.item() == pytest.approx(clipped, abs=1e-12)
    d.backward()
    n = len(r)
    assert np.allclose(real64.grad.numpy(), np.where(r < 1, -1 / n, 0.0), atol=1e-15)
    assert np.allclose(fake64.grad.numpy(), np.where(f > -1, 1 / n, 0.0), atol=1e-15)
    assert losses.hinge_g_loss(fake64).item() == losses.wgan_g_loss(fake64).item()


def _all_pairs(values_p, values_q):
    """Batches of every (x, y) pair of two equally weighted samples: pair means are E_{P x Q}."""
    k, m = len(values_p), len(values_q)
    return np.repeat(values_p, m), np.tile(values_q, k)


def test_relativistic_optimum_is_the_log_ratio_plus_any_constant():
    from scipy import optimize

    # P and Q on four points, with rational weights so that a batch holds them exactly.
    p_counts, q_counts = np.array([1, 2, 3, 6]), np.array([3, 4, 2, 3])
    p, q = p_counts / 12, q_counts / 12
    where_p, where_q = np.repeat(np.arange(4), p_counts), np.repeat(np.arange(4), q_counts)

    def pair_loss(dvals):  # float64 reference: E_{x ~ P, y ~ Q} softplus(D(y) - D(x))
        return float((p[:, None] * q[None, :] * softplus64(dvals[None, :] - dvals[:, None])).sum())

    best = optimize.minimize(pair_loss, np.zeros(4), method="BFGS", options={"gtol": 1e-12})
    log_ratio = np.log(p / q)
    assert np.allclose(best.x - best.x.mean(), log_ratio - log_ratio.mean(), atol=1e-6)
    for c in (0.0, 7.0):  # every constant shift is optimal, and ganlib's loss is the reference
        dvals = torch.tensor(log_ratio + c, requires_grad=True)
        ip, iq = _all_pairs(where_p, where_q)
        d = losses.relativistic_d_loss(dvals[ip], dvals[iq])
        assert d.item() == pytest.approx(best.fun, abs=1e-10)
        (grad,) = torch.autograd.grad(d, dvals)
        assert grad.abs().max().item() < 1e-12
    bump = np.array([0.0, 0.0, 0.3, 0.0])  # any other change raises it
    assert pair_loss(log_ratio + bump) > best.fun + 1e-4

    # RaGAN's optimum is not the log-ratio: its loss goes lower elsewhere.
    def average_loss(dvals):
        m_p, m_q = (p * dvals).sum(), (q * dvals).sum()
        return float((p * softplus64(m_q - dvals)).sum() + (q * softplus64(dvals - m_p)).sum())

    avg = optimize.minimize(average_loss, np.zeros(4), method="BFGS", options={"gtol": 1e-12})
    dvals = torch.tensor(avg.x)
    ganlib_avg = losses.relativistic_average_d_loss(dvals[where_p], dvals[where_q]).item()
    assert ganlib_avg == pytest.approx(avg.fun, abs=1e-10)
    assert average_loss(log_ratio) > avg.fun + 0.01


def test_relativistic_generator_gradient_does_not_vanish_where_d_wins():
    # D wins: real outputs 40, fake ones -40. dG/dfake_i, times N, against closed forms.
    n = 8
    real = torch.full((n,), 40.0, dtype=torch.float64)
    fake = torch.full((n,), -40.0, dtype=torch.float64, requires_grad=True)
    grads = {}
    for name in ("minimax", "nonsaturating", "relativistic", "relativistic-average"):
        (g,) = torch.autograd.grad(losses.get(name).g_loss(fake, real), fake)
        grads[name] = (g * n).numpy()
    gap = 80.0
    assert np.allclose(grads["minimax"], -sigmoid64(-40.0), rtol=1e-12)  # ~ -4e-18: vanishes
    assert np.allclose(grads["nonsaturating"], -(1 - sigmoid64(-40.0)), rtol=1e-12)
    assert np.allclose(grads["relativistic"], -sigmoid64(gap), rtol=1e-12)  # -> -1
    # RaGAN: -sigma(mean real - fake_i) - mean_j sigma(real_j - mean fake): -> -2
    assert np.allclose(grads["relativistic-average"], -2 * sigmoid64(gap), rtol=1e-12)
    # Unequal outputs: each fake is weighted by its own partner (pairs), or by the means.
    r, f = np.linspace(-2.0, 3.0, n), np.linspace(1.0, -4.0, n) ** 2 / 4
    fake = torch.tensor(f, requires_grad=True)
    for name, closed in (("relativistic", -sigmoid64(r - f)),
                         ("relativistic-average",
                          -sigmoid64(r.mean() - f) - sigmoid64(r - f.mean()).mean())):
        (g,) = torch.autograd.grad(losses.get(name).g_loss(fake, torch.tensor(r)), fake)
        assert np.allclose(g.numpy() * n, closed, rtol=1e-12, atol=0), name


def test_bce_on_sigmoid_breaks_where_logits_do_not():
    # A confidently wrong discriminator: real logit -200, fake logit +30.
    real = torch.tensor([-200.0], requires_grad=True)
    fake = torch.tensor([30.0], requires_grad=True)
    bce = torch.nn.BCELoss()
    naive = bce(torch.sigmoid(real), torch.ones(1)) + bce(torch.sigmoid(fake), torch.zeros(1))
    naive.backward()
    naive_grads = (real.grad.item(), fake.grad.item())
    real.grad = fake.grad = None
    good = losses.minimax_d_loss(real, fake)
    good.backward()
    # True value: softplus(200) + softplus(30) = 230; BCELoss clamps each log at -100.
    assert good.item() == pytest.approx(230.0, rel=1e-6)
    assert naive.item() == pytest.approx(200.0)
    # True gradients are -1 and +1; through sigmoid they vanish.
    assert real.grad.item() == pytest.approx(-1.0) and fake.grad.item() == pytest.approx(1.0)
    assert naive_grads == (0.0, 0.0)


def test_names_and_unknown_names():
    names = losses.names()
    for name in ["minimax", "nonsaturating", "lsgan", "wgan", "hinge", "ebgan", "relativistic",
                 "relativistic-average"]:
        assert name in names
    assert {f"fgan-{d}" for d in fdiv.names()} <= set(names)
    with pytest.raises(ValueError, match="choose one of: minimax"):
        losses.get("wasserstein")
    with pytest.raises(ValueError, match="bad parameters"):
        losses.get("lsgan", d=3)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, 1\)"):
        losses.minimax_d_loss(torch.zeros(4, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        losses.wgan_g_loss(torch.zeros(0))
    with pytest.raises(TypeError, match="floating-point"):
        losses.hinge_g_loss(torch.zeros(3, dtype=torch.long))
    # (N, 1) is accepted and means the same as (N,)
    x = torch.randn(5)
    assert losses.wgan_g_loss(x[:, None]).item() == losses.wgan_g_loss(x).item()


def test_auxiliary_losses():
    g = torch.Generator().manual_seed(3)
    logits, labels = torch.randn(8, 10, generator=g), torch.randint(10, (8,), generator=g)
    logp = logits.double().log_softmax(1)
    expected = -logp[torch.arange(8), labels].mean().item()
    assert losses.auxiliary_class_loss(logits, labels).item() == pytest.approx(expected, rel=1e-5)
    assert losses.info_categorical_loss(logits, labels).item() == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError):
        losses.auxiliary_class_loss(logits, labels[:4])


def test_info_gaussian_is_nll_and_mse_with_fixed_variance():
    g = torch.Generator().manual_seed(4)
    mean, codes = torch.randn(16, 2, generator=g), torch.randn(16, 2, generator=g)
    log_std = torch.randn(16, 2, generator=g) * 0.3
    nll = -torch.distributions.Normal(mean, log_std.exp()).log_prob(codes).sum(1).mean()
    assert losses.info_gaussian_loss(mean, codes, log_std).item() == pytest.approx(nll.item(),
                                                                                    rel=1e-5)
    mse = ((mean - codes) ** 2).sum(1).mean().item()
    fixed = losses.info_gaussian_loss(mean, codes).item()
    assert fixed == pytest.approx(0.5 * mse + 2 * 0.5 * math.log(2 * math.pi), rel=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        losses.info_gaussian_loss(mean, codes[:, :1])
    # a log_std of shape (N,) against (N, 1) codes would broadcast to (N, N): refused
    with pytest.raises(ValueError, match="without growing"):
        losses.info_gaussian_loss(mean[:, :1], codes[:, :1], log_std[:, 0])
    per_code = losses.info_gaussian_loss(mean, codes, log_std[0])  # (K,): one sigma per code
    assert per_code.item() == pytest.approx(
        -torch.distributions.Normal(mean, log_std[0].exp()).log_prob(codes).sum(1).mean().item(),
        rel=1e-5)


@pytest.mark.parametrize("a, b, c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0), (0.3, 2.0, 5.0)])
def test_lsgan_generator_objective_at_the_optimal_discriminator(a, b, c):
    # lsgan_d_loss's docstring: at D* = (b p + a q)/(p + q), G's loss plus the real-data term is
    # ((a + b)/2 - c)^2 + (b - a)^2/8 * Delta, Delta = Pearson chi^2(2 q || p + q).

    x = torch.linspace(-12, 12, 100001, dtype=torch.float64)
    dx = (x[1] - x[0]).item()

    def normal(m, s):
        return torch.exp(-((x - m) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi))

    p, q = 0.5 * normal(-2, 0.5) + 0.5 * normal(2, 0.7), normal(0.5, 1.0)
    d_star = (b * p + a * q) / (p + q)
    objective = 0.5 * ((p + q) * (d_star - c) ** 2).sum() * dx
    delta = fdiv.get("pearson").divergence(2 * q, p + q, dx)
    assert torch.isclose(objective, ((a + b) / 2 - c) ** 2 + (b - a) ** 2 / 8 * delta, rtol=1e-9)
    assert torch.isclose(delta, ((p - q) ** 2 / (p + q)).sum() * dx, rtol=1e-12)


@pytest.mark.parametrize("name", ["minimax", "nonsaturating", "hinge", "ebgan"])
def test_what_the_generator_descends_at_the_optimal_discriminator(name):
    # losses.REFERENCE states what G's update follows when D sits at its pointwise optimum.
    # Check it for Q = N(theta, 1) against chapter 1's bimodal P: the gradient of G's loss
    # with D held fixed equals the derivative of the stated divergence (finite differences).
    from ganlib import examples

    x, dx, p, _ = examples.BIMODAL.grid()
    m = 1.0

    def q_of(theta):
        return torch.exp(-0.5 * (x - theta) ** 2) / math.sqrt(2 * math.pi)

    def divergences(q):
        mix = (p + q) / 2
        js = 0.5 * (torch.xlogy(p, p / mix) + torch.xlogy(q, q / mix)).sum() * dx
        kl_qp = torch.xlogy(q, q / p.clamp_min(1e-300)).sum() * dx
        tv = 0.5 * (p - q).abs().sum() * dx
        return {"minimax": 2 * js, "nonsaturating": kl_qp - 2 * js, "hinge": 2 * tv,
                "ebgan": m * tv}[name]

    theta0, h = 0.7, 1e-4
    q0 = q_of(torch.tensor(theta0, dtype=torch.float64))
    log_ratio = torch.log(p) - torch.log(q0)  # the optimal logit
    d_star = {"minimax": log_ratio, "nonsaturating": log_ratio, "hinge": torch.sign(p - q0),
              "ebgan": m * (p < q0).double()}[name]
    per_sample = {"minimax": lambda d: -torch.nn.functional.softplus(d),
                  "nonsaturating": lambda d: torch.nn.functional.softplus(-d),
                  "hinge": lambda d: -d, "ebgan": lambda d: d}[name]
    theta = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    g_loss = (q_of(theta) * per_sample(d_star)).sum() * dx  # E_Q[G's loss], D fixed
    (grad,) = torch.autograd.grad(g_loss, theta)
    fd = (divergences(q_of(torch.tensor(theta0 + h, dtype=torch.float64)))
          - divergences(q_of(torch.tensor(theta0 - h, dtype=torch.float64)))) / (2 * h)
    assert grad.item() == pytest.approx(fd.item(), rel=1e-3, abs=1e-6), (name, grad, fd)
    assert abs(fd.item()) > 1e-2  # a real slope, not two zeros


def test_every_loss_has_a_reference_entry():
    rows = losses.reference()
    assert [r["name"] for r in rows] == losses.names()
    for row in rows:
        for key in ("title", "d", "g", "descends", "output", "paper", "chapter"):
            assert row[key], (row["name"], key)
    assert {r["name"]: r["recipes"] for r in rows}["lsgan"] == ["lsgan"]
