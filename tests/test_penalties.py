"""Penalties against critics whose gradients are known in closed form."""

import pytest
import torch

from ganlib import penalties


def linear_critic(w):
    return lambda x: x @ w + 0.7


def quadratic_critic(x):
    return 0.5 * (x**2).sum(1)


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(32, 3, generator=g), torch.randn(32, 3, generator=g) + 2


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_linear_critic_has_gradient_norm_w_everywhere(batch, scale):
    real, fake = batch
    w = torch.tensor([1.0, -2.0, 2.0]) / 3 * scale  # ||w|| = scale
    critic = linear_critic(w)
    assert penalties.gradient_penalty(critic, real, fake).item() == pytest.approx((scale - 1) ** 2)
    one_sided = penalties.gradient_penalty(critic, real, fake, one_sided=True).item()
    assert one_sided == pytest.approx(max(0.0, scale - 1) ** 2)
    assert penalties.dragan_penalty(critic, real).item() == pytest.approx((scale - 1) ** 2)
    assert penalties.r1_penalty(critic, real).item() == pytest.approx(scale**2)
    assert penalties.r2_penalty(critic, fake).item() == pytest.approx(scale**2)


def expected_with_a_bowl(real, fake, seed):
    """Every penalty of the bowl 1/2 ||x||^2 (gradient x, norm ||x||), computed independently.

    The interpolation weights and DRAGAN's noise are drawn again from a generator seeded as the
    one the penalty is given, so each expectation is on the same points as the penalty's.
    """
    eps = torch.rand(len(real), 1, generator=torch.Generator().manual_seed(seed))
    between = (eps * real + (1 - eps) * fake).norm(dim=1)
    noise = torch.randn(real.shape, generator=torch.Generator().manual_seed(seed))
    perturbed = (real + 0.5 * real.std() * noise).norm(dim=1)
    return {"gp": ((between - 1) ** 2).mean(), "lp": ((between - 1).clamp(min=0) ** 2).mean(),
            "dragan": ((perturbed - 1) ** 2).mean(), "r1": (real.norm(dim=1) ** 2).mean(),
            "r2": (fake.norm(dim=1) ** 2).mean(),
            "r1r2": (real.norm(dim=1) ** 2).mean() + (fake.norm(dim=1) ** 2).mean()}


def test_quadratic_critic(batch):
    real, fake = (x / 2 for x in batch)  # norms on both sides of 1
    expected = expected_with_a_bowl(real, fake, seed=5)
    computed = {
        "gp": penalties.gradient_penalty(quadratic_critic, real, fake,
                                         generator=torch.Generator().manual_seed(5)),
        "lp": penalties.gradient_penalty(quadratic_critic, real, fake, one_sided=True,
                                         generator=torch.Generator().manual_seed(5)),
        "dragan": penalties.dragan_penalty(quadratic_critic, real,
                                           generator=torch.Generator().manual_seed(5)),
        "r1": penalties.r1_penalty(quadratic_critic, real),
        "r2": penalties.r2_penalty(quadratic_critic, fake),
    }
    for name, value in computed.items():
        assert value.item() == pytest.approx(expected[name].item(), rel=1e-6), name
    # the check can fail: the norms differ between the batches and between the points
    at_real_only = ((real.norm(dim=1) - 1) ** 2).mean().item()  # a GP that ignored fake
    at_fake_only = ((fake.norm(dim=1) - 1) ** 2).mean().item()
    for wrong in (at_real_only, at_fake_only):
        assert abs(wrong / expected["gp"].item() - 1) > 0.2, (wrong, expected["gp"])
    assert abs(expected["r1"] / expected["r2"] - 1) > 0.2
    assert abs(expected["lp"] / expected["gp"] - 1) > 0.05  # some norms below 1, some above


def test_penalty_gradients_reach_the_critic(batch):
    real, fake = batch
    w = torch.tensor([0.6, 0.8, 1.0], requires_grad=True)  # ||w|| = sqrt(2)
    penalties.gradient_penalty(linear_critic(w), real, fake).backward()
    norm = w.detach().norm()
    assert torch.allclose(w.grad, 2 * (norm - 1) * w.detach() / norm, atol=1e-6)


def test_inputs_are_not_modified_and_need_no_grad(batch):
    real, fake = batch
    before = real.clone()
    penalties.r1_penalty(quadratic_critic, real)
    assert torch.equal(real, before) and not real.requires_grad


def test_clip_weights_refuses_bad_values():
    net = torch.nn.Linear(3, 1)
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="finite positive"):
            penalties.clip_weights(net, bad)


def test_clip_weights():
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(100)
    penalties.clip_weights(net, 0.01)
    assert all(p.abs().max() <= 0.01 for p in net.parameters())
    with pytest.raises(ValueError, match="positive"):
        penalties.clip_weights(net, 0)


def test_bad_input(batch):
    real, fake = batch
    with pytest.raises(ValueError, match="same shape"):
        penalties.gradient_penalty(quadratic_critic, real, fake[:10])
    with pytest.raises(ValueError, match="one score per sample"):
        penalties.r1_penalty(lambda x: x, real)


@pytest.mark.parametrize("critic", [
    lambda x: quadratic_critic(x).mean(),  # the batch mean: R1 would be off by N^2
    lambda x: quadratic_critic(x)[:-1],  # one score short
    lambda x: (quadratic_critic(x), x),  # a tuple of heads
])
def test_critics_must_return_one_score_per_sample(batch, critic):
    real, fake = batch
    for name in penalties.names():
        with pytest.raises(ValueError, match="one score per sample"):
            penalties.get(name)(critic, real, fake)


def test_critics_must_be_differentiable_in_their_input(batch):
    real, fake = batch
    with pytest.raises(ValueError, match="differentiabl"):
        penalties.r1_penalty(lambda x: quadratic_critic(x.detach()), real)
    w = torch.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match="does not depend on its input|do not depend on"):
        penalties.r1_penalty(lambda x: (x * 0).sum(1).detach() + w.sum(), real)


def test_empty_and_too_small_batches(batch):
    real, fake = batch
    for name in penalties.names():
        with pytest.raises(ValueError, match="at least"):
            penalties.get(name)(quadratic_critic, real[:0], fake[:0])
    with pytest.raises(ValueError, match="at least 2"):
        penalties.dragan_penalty(quadratic_critic, real[:1])


def test_registry(batch):
    real, fake = batch
    assert penalties.names() == ["gp", "lp", "dragan", "r1", "r2", "r1r2"]
    expected = expected_with_a_bowl(real / 2, fake / 2, seed=7)
    for name, value in expected.items():
        computed = penalties.get(name)(quadratic_critic, real / 2, fake / 2,
                                       generator=torch.Generator().manual_seed(7))
        assert computed.item() == pytest.approx(value.item(), rel=1e-6), name
    w = torch.tensor([1.0, -2.0, 2.0]) / 3 * 2.0  # a linear critic of slope ||w|| = 2: k reaches
    assert penalties.get("dragan", k=2.0)(linear_critic(w), real, fake).item() == pytest.approx(
        0.0, abs=1e-6)
    with pytest.raises(ValueError, match="unknown penalty 'gq'; choose one of: gp"):
        penalties.get("gq")
    with pytest.raises(ValueError, match="bad parameters"):
        penalties.get("r1", scale=2.0)


def test_random_draws_come_from_the_given_generator(batch):
    real, fake = batch
    values = [penalties.gradient_penalty(quadratic_critic, real, fake,
                                         generator=torch.Generator().manual_seed(s)).item()
              for s in (1, 1, 2)]
    assert values[0] == values[1] != values[2]
    state = torch.get_rng_state()
    penalties.dragan_penalty(quadratic_critic, real, generator=torch.Generator().manual_seed(1))
    assert torch.equal(torch.get_rng_state(), state)


class StackedMLP:
    """E small tanh critics as one, x (E, N, 3) -> (E, N, 1), and member i's alone, (N, 1)."""

    def __init__(self, members: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        shapes = [(members, 3, 5), (members, 1, 5), (members, 5, 1)]
        self.params = [torch.randn(s, generator=g, dtype=torch.float64).requires_grad_()
                       for s in shapes]

    def __call__(self, x):
        w1, b1, w2 = self.params
        return torch.tanh(torch.baddbmm(b1, x, w1)) @ w2

    def member(self, i):
        w1, b1, w2 = (p[i] for p in self.params)
        return lambda x: torch.tanh(x @ w1 + b1) @ w2


def at_zero_draws(name, params, critic, real, fake):
    """The unstacked penalty with its random draws at zero: the interpolates at the fakes
    (GP, LP), DRAGAN at the data itself; R1 and R2 draw nothing."""
    if name in ("gp", "lp"):
        return penalties.gradient_penalty(critic, fake, fake, one_sided=name == "lp")
    if name == "dragan":
        return penalties.dragan_penalty(critic, real, scale=0.0, k=params.get("k", 1.0))
    return penalties.get(name)(critic, real, fake)


@pytest.mark.parametrize("name, params", [(n, {}) for n in penalties.names()]
                         + [("dragan", {"scale": 0.3, "k": 0.5})])
def test_stacked_penalties_are_each_members_own(name, params):
    """Member i of a stacked penalty is the unstacked penalty of member i's batch, critic and
    generator (value, gradient and the draws taken, float64); a member without a generator
    draws nothing and gets zero draws; torch's global stream is never touched."""
    members, n = 4, 6
    g = torch.Generator().manual_seed(11)
    real = torch.randn(members, n, 3, generator=g, dtype=torch.float64)
    fake = torch.randn(members, n, 3, generator=g, dtype=torch.float64) + 1
    critic, pen = StackedMLP(members), penalties.get(name, **params)
    seeds = [5, None, 7, 5]  # member 1 draws nothing; members 0 and 3 share a seed, not a stream
    streams = [None if s is None else torch.Generator().manual_seed(s) for s in seeds]
    global_state = torch.get_rng_state()
    stacked = pen(critic, real, fake, generator=streams, stacked=True)
    assert stacked.shape == (members,)
    grads = torch.autograd.grad(stacked.sum(), critic.params)
    assert torch.equal(torch.get_rng_state(), global_state), "the global stream moved"
    for i, seed in enumerate(seeds):
        alone = StackedMLP(members)  # the same weights, member i's used alone
        if seed is None:
            expected = at_zero_draws(name, params, alone.member(i), real[i], fake[i])
        else:
            own = torch.Generator().manual_seed(seed)
            expected = pen(alone.member(i), real[i], fake[i], generator=own)
            assert torch.equal(own.get_state(), streams[i].get_state()), "other draws"
        torch.testing.assert_close(stacked[i], expected, rtol=1e-12, atol=1e-12)
        for got, want in zip(grads, torch.autograd.grad(expected, alone.params)):
            torch.testing.assert_close(got[i], want[i], rtol=1e-10, atol=1e-12)


def test_bad_stacked_input_fails_before_any_work():
    members, n = 3, 8
    real, fake = torch.randn(members, n, 2), torch.randn(members, n, 2)
    calls = []

    def critic(x):
        calls.append(x.shape)
        return 0.5 * (x**2).sum(-1)

    streams = [torch.Generator().manual_seed(s) for s in range(members)]
    states = [g.get_state() for g in streams]
    bad = [  # (what is wrong, the call, what the message says)
        ("one batch, not E", lambda: penalties.gradient_penalty(
            critic, real[0], fake[0], generator=streams, stacked=True), r"\(E, N, \.\.\.\)"),
        ("ints", lambda: penalties.r1_penalty(critic, real.long(), stacked=True), "float batch"),
        ("no members", lambda: penalties.r2_penalty(critic, fake[:0], stacked=True),
         "no members"),
        ("no samples", lambda: penalties.get("r1r2")(critic, real[:, :0], fake[:, :0],
                                                    stacked=True), "0 samples per member"),
        ("one sample", lambda: penalties.dragan_penalty(critic, real[:, :1], generator=streams,
                                                        stacked=True), "at least 2"),
        ("shapes", lambda: penalties.gradient_penalty(critic, real, fake[:, :5],
                                                      generator=streams, stacked=True),
         "same shape"),
        ("one generator", lambda: penalties.gradient_penalty(
            critic, real, fake, generator=streams[0], stacked=True),
         "list of 3 torch.Generators, one per member.*got Generator"),
        ("too few", lambda: penalties.dragan_penalty(critic, real, generator=streams[:2],
                                                     stacked=True), "got a list of 2"),
        ("none", lambda: penalties.get("lp")(critic, real, fake, stacked=True), "got NoneType"),
        ("seeds", lambda: penalties.get("gp")(critic, real, fake, generator=[0, 1, 2],
                                              stacked=True), "list of 3 torch.Generators"),
    ]
    for what, call, message in bad:
        with pytest.raises(ValueError, match=message):
            call()
        assert not calls, f"{what}: the critic ran"
        assert all(torch.equal(g.get_state(), s) for g, s in zip(streams, states)), what
    # a critic that mixes up the layout is caught at its first call
    for wrong in (lambda x: critic(x).flatten(), lambda x: critic(x).mean(1)):
        with pytest.raises(ValueError, match=r"per sample, shape \(3, 8\) or \(3, 8, 1\)"):
            penalties.r1_penalty(wrong, real, stacked=True)
