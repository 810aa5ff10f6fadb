"""The training loop: every recipe, random streams, exact resume, non-finite stops, the CLI."""

import copy
import json
import subprocess
import sys

import pytest
import torch

from ganlib import losses, recipes, terms
from ganlib.train import NonFiniteLossError, build, evaluate, load, save, train

SMALL = dict(hidden=16, depth=2, batch_size=32)


def same_weights(a, b) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(),
                                                  b.state_dict().values()))


@pytest.mark.parametrize("name", recipes.names())
def test_every_recipe_builds_and_steps(name):
    gan = build(name, "ring", steps=3, seed=0, **SMALL)
    history = train(gan, progress=False)
    assert len(history.g_loss) == 3 and gan.step == 3
    values = history.d_loss + history.g_loss + [v for d in (history.d_terms, history.g_terms)
                                                for vs in d.values() for v in vs]
    assert all(v == v for v in values)


def test_digits_run_and_generator_range():
    gan = build("nsgan", "digits", steps=5, seed=0, hidden=32, depth=2, batch_size=16)
    train(gan, progress=False)
    x = gan.sample(10)
    assert x.shape == (10, 64) and x.abs().max() <= 1
    assert set(evaluate(gan)) == {"sliced_w"}


# ------------------------------------------------------------------ random streams


def test_a_run_is_fixed_by_its_seed_and_leaves_the_global_generator_alone():
    runs = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        before = torch.get_rng_state()
        gan = build("wgan-gp", "ring", steps=4, seed=7, **SMALL)
        train(gan, progress=False)
        assert torch.equal(torch.get_rng_state(), before), "build/train drew from torch's RNG"
        runs.append(gan)
    assert runs[0].history.g_loss == runs[1].history.g_loss
    assert same_weights(runs[0].G, runs[1].G)
    other = build("wgan-gp", "ring", steps=4, seed=8, **SMALL)
    train(other, progress=False)
    assert other.history.g_loss != runs[0].history.g_loss


def test_sampling_and_evaluating_never_change_training():
    straight = build("dragan", "ring", steps=6, seed=3, **SMALL)
    train(straight, progress=False)
    interrupted = build("dragan", "ring", steps=6, seed=3, **SMALL)
    train(interrupted, 3, progress=False)
    first = interrupted.sample(50)
    evaluate(interrupted)
    assert torch.equal(interrupted.sample(50), first)  # a fixed seed: the same figure
    assert not torch.equal(interrupted.sample(50, seed=1), first)
    train(interrupted, progress=False, eval_every=1)
    assert interrupted.history.g_loss == straight.history.g_loss
    assert same_weights(interrupted.D, straight.D)


# ------------------------------------------------------------------ the step's capabilities


class SpyLoss:
    """Records what the generator's loss was given."""

    def __init__(self, name):
        self.inner, self.seen = losses.get(name), []
        self.g_needs_real, self.d_loss = self.inner.g_needs_real, self.inner.d_loss

    def g_loss(self, fake, real=None):
        self.seen.append(real is not None)
        return self.inner.g_loss(fake, real)


@pytest.mark.parametrize("name, needs_real", [("relativistic", True),
                                               ("relativistic-average", True),
                                               ("nonsaturating", False)])
def test_the_generator_loss_gets_real_outputs_when_it_needs_them(name, needs_real):
    gan = build(recipes.get("nsgan", loss=name), "ring", steps=3, **SMALL)
    gan.loss = SpyLoss(name)
    train(gan, progress=False)
    assert gan.loss.seen == [needs_real] * 3


def test_relativistic_loss_trains_on_the_ring():
    gan = build(recipes.get("nsgan", loss="relativistic"), "ring", steps=400, seed=0)
    train(gan, progress=False)
    assert evaluate(gan)["modes"] >= 6


def _by_hand(gan, simultaneous: bool):
    """One SGD step computed by hand from the same draws as the loop's."""
    G, D, rng, n = gan.G, gan.D, copy.deepcopy(gan.rng), gan.batch_size
    lr = gan.recipe.lr_d
    inputs = gan.conditioning.draw(gan.data, n, G.z_dim, rng, True)
    fake = G(inputs.z)
    real_out, fake_out = D(torch.cat([inputs.real, fake])).split(n)
    d_grads = torch.autograd.grad(gan.loss.d_loss(real_out, fake_out), list(D.parameters()),
                                  retain_graph=True)
    g_grads = torch.autograd.grad(gan.loss.g_loss(fake_out), list(G.parameters()))
    new_d = [p - lr * g for p, g in zip(D.parameters(), d_grads)]
    if not simultaneous:  # G's gradient after D's update, on a fresh draw
        D2 = copy.deepcopy(D)
        with torch.no_grad():
            for p, q in zip(D2.parameters(), new_d):
                p.copy_(q)
        inputs = gan.conditioning.draw(gan.data, n, G.z_dim, rng, False)
        g_grads = torch.autograd.grad(gan.loss.g_loss(D2(G(inputs.z))), list(G.parameters()))
    return new_d, [p - lr * g for p, g in zip(G.parameters(), g_grads)]


@pytest.mark.parametrize("updates", ["simultaneous", "alternating"])
def test_simultaneous_and_alternating_sgd_steps(updates):
    recipe = recipes.get("nsgan", optimizer="sgd", updates=updates, toy={}, lr_d=0.1, lr_g=0.1)
    gan = build(recipe, "ring", steps=2, seed=0, **SMALL)
    assert type(gan.opt_d) is torch.optim.SGD and gan.opt_d.defaults["momentum"] == 0
    new_d, new_g = _by_hand(gan, updates == "simultaneous")
    train(gan, 1, progress=False)
    for p, q in zip(list(gan.D.parameters()) + list(gan.G.parameters()), new_d + new_g):
        assert torch.allclose(p, q, atol=1e-6)


def test_simultaneous_updates_take_one_critic_step():
    with pytest.raises(ValueError, match="set n_critic=1"):
        recipes.get("wgan-gp", updates="simultaneous")


def test_class_labels_reach_generator_and_discriminator():
    gan = build("cgan", "ring", steps=300, seed=0)
    assert gan.G.cond_dim == 8 and gan.D.cond_dim == 8
    train(gan, progress=False)
    # A trained class-conditional generator puts class k's samples near mode k.
    centers = gan.data.centers.cpu()
    for k in (0, 3, 6):
        x = gan.sample(200, labels=torch.full((200,), k))
        nearest = torch.cdist(x, centers).argmin(1)
        assert (nearest == k).float().mean() > 0.8, k
    with pytest.raises(ValueError, match="labels must be"):
        gan.sample(5, labels=torch.full((5,), 8))


def test_projection_discriminator_is_the_papers_formula():
    gan = build("projection", "ring", steps=1, seed=0, **SMALL)
    D, x = gan.D.eval(), torch.randn(5, 2)  # eval: no power iteration between the calls
    c = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 7, 7]), 8).float()
    h = D.body(x)
    expected = D.score(h)[:, 0] + (c @ D.embed.weight.T * h).sum(1)
    assert torch.allclose(D(x, c), expected, atol=1e-6)


def test_acgan_and_infogan_terms_act_on_both_networks():
    ac = build("acgan", "ring", steps=2, seed=0, **SMALL)
    assert ac.D.cond_dim == 0 and set(ac.D.heads) == {"class"}
    train(ac, progress=False)
    assert set(ac.history.d_terms) == set(ac.history.g_terms) == {"classifier"}
    info = build("infogan", "ring", steps=200, seed=0, hidden=64)
    assert set(info.D.heads) == {"code_logits", "code_mean"} and info.G.cond_dim == 12
    train(info, progress=False)
    assert set(info.history.d_terms) == set(info.history.g_terms) == {"information"}
    # Q has learnt to read the codes back from fresh samples: the categorical one well above
    # chance (1/10; 0.49 measured), the continuous one correlated (0.81 measured).
    inputs = info.conditioning.latent(1000, info.G.z_dim, "cpu", torch.Generator().manual_seed(5))
    with torch.no_grad():
        out = info.D.outputs(info.G(inputs.z, inputs.g_cond))
    accuracy = (out["code_logits"].argmax(1) == inputs.categorical).float().mean().item()
    r = torch.corrcoef(torch.stack([out["code_mean"][:, 0], inputs.continuous[:, 0]]))[0, 1]
    assert accuracy > 0.3 and r > 0.5, (accuracy, r)


def test_terms_need_their_conditioning():
    with pytest.raises(ValueError, match="labels-to-g"):
        build(recipes.get("nsgan", terms={"classifier": 1.0}), "ring", steps=1)
    with pytest.raises(ValueError, match="codes"):
        build(recipes.get("nsgan", terms={"information": 1.0}), "ring", steps=1)
    with pytest.raises(ValueError, match="labeled data"):
        build("cgan", "spiral", steps=1)
    with pytest.raises(ValueError, match="autoencoder"):
        recipes.get("nsgan", terms={"pull_away": 0.1})


def test_ebgan_adds_the_pulling_away_term_to_the_generator_loss():
    from ganlib.models import AutoencoderEnergy

    gan = build("ebgan", "ring", steps=2, seed=0, **SMALL)
    assert isinstance(gan.D, AutoencoderEnergy) and recipes.get("ebgan").terms == {
        "pull_away": 0.1}
    train(gan, 1, progress=False)
    pt = gan.history.g_terms["pull_away"][0]
    assert 0 < pt <= 1  # a mean squared cosine
    plain = build(recipes.get("ebgan", terms={}), "ring", steps=2, seed=0, **SMALL)
    train(plain, 1, progress=False)
    assert plain.history.g_terms == {}
    assert gan.history.g_loss == plain.history.g_loss  # same D update and fake batch


def test_penalty_params_reach_the_penalty():
    # DRAGAN with no perturbation and k = 0 is exactly R1: E ||grad D(x)||^2 on the real batch.
    gan = build(recipes.get("dragan", penalty_params=dict(scale=0.0, k=0.0)), "ring", steps=1,
                **SMALL)
    r1 = build(recipes.get("dragan", penalty="r1", penalty_params={}), "ring", steps=1, **SMALL)
    train(gan, progress=False), train(r1, progress=False)
    assert gan.history.d_terms["dragan"] == pytest.approx(r1.history.d_terms["r1"], rel=1e-6)


def test_fgan_with_the_gan_divergence_trains_exactly_like_the_minimax_gan():
    # f*(g_f(v)) = softplus(v) and g_f(v) = -softplus(-v): the same losses, so the same run.
    runs = []
    # (At the papers' settings: on the 2-D toys the f-GANs add an R1 penalty, see recipes.)
    for name in ("gan", "fgan-gan"):
        gan = build(recipes.get(name, toy={}), "ring", steps=5, seed=4, **SMALL)
        train(gan, progress=False)
        runs.append(gan)
    assert runs[0].history.g_loss == runs[1].history.g_loss
    assert same_weights(runs[0].G, runs[1].G)


# ------------------------------------------------------------------ checkpoints


def test_resume_continues_exactly(tmp_path):
    # n_critic = 5, a random penalty, learning-rate decay: everything a resume must restore.
    straight = build("wgan-gp", "ring", steps=8, seed=3, hidden=32, depth=2, batch_size=64)
    train(straight, progress=False)

    first = build("wgan-gp", "ring", steps=8, seed=3, hidden=32, depth=2, batch_size=64)
    train(first, 4, progress=False)
    save(first, tmp_path / "ckpt.pt")
    resumed = build("wgan-gp", "ring", steps=8, seed=99, hidden=32, depth=2, batch_size=64)
    load(resumed, tmp_path / "ckpt.pt")
    assert resumed.step == 4
    train(resumed, progress=False)
    assert resumed.history.g_loss == straight.history.g_loss
    assert resumed.history.d_terms == straight.history.d_terms
    assert same_weights(resumed.G, straight.G) and same_weights(resumed.D, straight.D)


@pytest.mark.parametrize("other, difference", [
    (dict(recipe="lsgan"), "recipe.loss"),
    (dict(data="grid"), "data.name"),
    (dict(data=("ring", dict(modes=6))), "data.modes"),
    (dict(recipe=recipes.get("nsgan", n_critic=2)), "recipe.n_critic"),
    (dict(recipe=recipes.get("nsgan", penalty="r1", penalty_weight=1.0)), "recipe.penalty"),
    (dict(hidden=32), "hidden"),
    (dict(batch_size=64), "batch_size"),
])
def test_a_checkpoint_loads_only_into_the_run_it_came_from(tmp_path, other, difference):
    from ganlib import data

    gan = build("nsgan", "ring", steps=4, **SMALL)
    train(gan, 2, progress=False)
    save(gan, tmp_path / "a.pt")
    spec = {"recipe": "nsgan", "data": "ring", **SMALL, **other}
    if isinstance(spec["data"], tuple):
        spec["data"] = data.get(spec["data"][0], **spec["data"][1])
    target = build(spec.pop("recipe"), spec.pop("data"), steps=4, **spec)
    before = copy.deepcopy(target.G.state_dict())
    with pytest.raises(ValueError, match=difference):
        load(target, tmp_path / "a.pt")
    assert all(torch.equal(before[k], v) for k, v in target.G.state_dict().items())
    assert target.step == 0


def test_a_checkpoint_keeps_its_plan_and_says_how_to_extend(tmp_path):
    gan = build("nsgan", "ring", steps=4, **SMALL)
    train(gan, 2, progress=False)
    save(gan, tmp_path / "a.pt")
    longer = build("nsgan", "ring", steps=10, **SMALL)
    with pytest.raises(ValueError, match=r"steps_planned: 4 in the checkpoint, 10 here.*extend"):
        load(longer, tmp_path / "a.pt")
    same = load(build("nsgan", "ring", steps=4, **SMALL), tmp_path / "a.pt")
    same.extend(10)
    train(same, progress=False)
    assert same.step == 10


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", "truncated", "foreign"])
def test_unreadable_checkpoints_get_a_message(tmp_path, content):
    gan = build("nsgan", "ring", steps=2, **SMALL)
    path = tmp_path / "bad.pt"
    if content == "truncated":
        save(gan, path)
        path.write_bytes(path.read_bytes()[:200])
    elif content == "foreign":
        torch.save({"weights": torch.zeros(3)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="checkpoint"):
        load(gan, path)


# ------------------------------------------------------------------ non-finite values


class PoisonedRing:
    """The ring, except that its ``bad_call``-th batch holds a NaN."""

    def __init__(self, bad_call):
        from ganlib import data

        self.ring, self.calls, self.bad_call, self.dim = data.get("ring"), 0, bad_call, 2
        self.spec = {"name": "poisoned ring"}

    def sample(self, n, generator=None):
        self.calls += 1
        x = self.ring.sample(n, generator)
        if self.calls == self.bad_call:
            x[0, 0] = float("nan")
        return x

    def to(self, device):
        return self


def test_non_finite_loss_stops_with_step_and_loss_named():
    clean = build("nsgan", PoisonedRing(bad_call=-1), steps=20, seed=1, **SMALL)
    train(clean, 6, progress=False)

    gan = build("nsgan", PoisonedRing(bad_call=7), steps=20, seed=1, **SMALL)
    with pytest.raises(NonFiniteLossError, match="d_loss is nan at step 6") as err:
        train(gan, progress=False)
    assert err.value.step == 6 and err.value.which == "d_loss"
    assert gan.step == 6 and len(gan.history.g_loss) == 6
    assert same_weights(gan.D, clean.D) and same_weights(gan.G, clean.G)
    assert torch.equal(gan.rng.get_state(), clean.rng.get_state())


class LossThatFailsLate:
    """The WGAN loss, but G's loss is NaN at the ``bad``-th call."""

    g_needs_real = False

    def __init__(self, bad):
        self.inner, self.calls, self.bad = losses.get("wgan"), 0, bad
        self.d_loss = self.inner.d_loss

    def g_loss(self, fake, real=None):
        self.calls += 1
        value = self.inner.g_loss(fake)
        return value * float("nan") if self.calls == self.bad else value


def test_a_failing_generator_update_undoes_the_discriminator_update_of_its_step():
    clean = build("wgan-gp", "ring", steps=10, seed=2, **SMALL)
    train(clean, 3, progress=False)
    gan = build("wgan-gp", "ring", steps=10, seed=2, **SMALL)
    gan.loss = LossThatFailsLate(bad=4)
    with pytest.raises(NonFiniteLossError, match="g_loss is nan at step 3"):
        train(gan, progress=False)
    assert gan.step == 3 and len(gan.history.d_loss) == 3
    assert same_weights(gan.D, clean.D) and same_weights(gan.G, clean.G)
    assert gan.opt_d.state_dict()["state"][0]["step"] == clean.opt_d.state_dict()["state"][0][
        "step"]
    train(gan, 1, progress=False)  # and it can go on (the loss fails only once)
    train(clean, 1, progress=False)
    assert gan.history.g_loss == clean.history.g_loss


def test_a_non_finite_term_is_named():
    gan = build("wgan-gp", "ring", steps=5, **SMALL)
    gan.terms = [terms.Term("gp", 10.0, d=lambda s: torch.tensor(float("inf")))]
    with pytest.raises(NonFiniteLossError, match=r"gp \(in D's loss\) is inf at step 0"):
        train(gan, progress=False)
    assert gan.step == 0 and gan.opt_d.state == {}


def test_weights_are_checked_after_each_update():
    clean = build("nsgan", "ring", steps=5, seed=0, **SMALL)
    train(clean, 2, progress=False)
    gan = build("nsgan", "ring", steps=5, seed=0, **SMALL)
    train(gan, 2, progress=False)
    step = gan.opt_g.step

    def poisoned_step():
        step()
        next(gan.G.parameters()).data[0, 0] = float("inf")

    gan.opt_g.step = poisoned_step
    with pytest.raises(NonFiniteLossError, match="G's weights after its update is inf at step 2"):
        train(gan, progress=False)
    assert gan.step == 2 and same_weights(gan.G, clean.G) and same_weights(gan.D, clean.D)


# ------------------------------------------------------------------ bad settings


@pytest.mark.parametrize("changes, message", [
    (dict(n_critic=0), "n_critic must be a whole number >= 1"),
    (dict(n_critic=-2), "n_critic"),
    (dict(n_critic=1.5), "n_critic"),
    (dict(penalty="r1", penalty_weight=-1.0), "penalty_weight must be a finite number >= 0"),
    (dict(penalty="gq"), "unknown penalty 'gq'"),
    (dict(penalty="dragan", penalty_params=dict(sigma=1)), "bad parameters"),
    (dict(optimizer="adagrad"), "unknown optimizer"),
    (dict(lr_d=float("inf")), "lr_d must be a finite number > 0"),
    (dict(lr_g=0.0), "lr_g"),
    (dict(betas=(0.5, 1.0)), "betas"),
    (dict(clip=float("nan")), "clip"),
    (dict(updates="sometimes"), "unknown updates"),
    (dict(loss="wasserstein"), "unknown loss"),
    (dict(terms={"pull_away": -1.0}), "weight of term"),
    (dict(learning_rate=1.0), "bad change"),
])
def test_bad_recipe_settings_are_refused_when_made(changes, message):
    with pytest.raises(ValueError, match=message):
        recipes.get("nsgan", **changes)


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps must be a whole number >= 1"),
    (dict(hidden=0), "hidden"),
    (dict(depth=-1), "depth"),
    (dict(z_dim=0), "z_dim"),
    (dict(batch_size=0), "batch_size"),
    (dict(seed=-1), "seed"),
    (dict(device="banana"), "unknown device"),
])
def test_bad_build_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build("nsgan", "ring", **kwargs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown recipe 'gam'; choose one of: gan"):
        build("gam", "ring")
    with pytest.raises(ValueError, match="unknown dataset"):
        build("gan", "rings")
    gan = build("gan", "ring", steps=3, hidden=8, depth=1)
    with pytest.raises(ValueError, match=r"z must have shape \(N, 2\)"):
        gan.G(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="steps must be a whole number >= 0"):
        train(gan, -1)
    train(gan, 0)  # zero steps is allowed, and does nothing
    assert gan.step == 0
    linear = build("nsgan", "ring", steps=3, depth=0, **{k: SMALL[k] for k in ("batch_size",)})
    train(linear, progress=False)  # depth 0 is a linear network, still valid


def test_training_past_the_planned_decay_is_refused():
    gan = build("nsgan", "ring", steps=3, hidden=8, depth=1)
    with pytest.raises(ValueError, match="decays its learning rates to zero at step 3"):
        train(gan, 5, progress=False)


def test_toy_adjustment_is_applied_only_to_2d_data():
    from ganlib import data

    wgan = recipes.get("wgan")
    assert wgan.for_data(data.get("ring")).lr_d == 5e-4
    assert wgan.for_data(data.get("digits")).lr_d == 5e-5
    for name in recipes.names():
        assert recipes.get(name).source, name


def test_a_changed_field_is_not_undone_by_the_toy_adjustment():
    from ganlib import data

    ring = data.get("ring")
    assert recipes.get("lsgan", lr_d=1e-4).for_data(ring).lr_d == 1e-4
    assert recipes.get("lsgan", lr_d=1e-4).for_data(ring).lr_g == 2e-3  # the rest still applies
    plain = recipes.get("fgan-kl", penalty=None).for_data(ring)
    assert plain.penalty is None and plain.lr_decay
    assert recipes.get("ebgan", loss_params={"margin": 0.5}).for_data(ring).loss_params == {
        "margin": 0.5}
    assert recipes.get("ebgan").for_data(ring).loss_params == {"margin": 0.1}


def test_recipes_are_independent_copies():
    from ganlib import data

    ring = data.get("ring")
    for name in ("lsgan", "ebgan", "dragan", "fgan-kl", "infogan"):
        before = recipes.get(name)
        r = recipes.get(name)
        for d in (r.loss_params, r.penalty_params, r.toy, r.terms, r.conditioning_params):
            d["mutated"] = 1
        toyed = recipes.get(name).for_data(ring)
        for d in (toyed.loss_params, toyed.penalty_params, toyed.terms):
            d["mutated"] = 1
        assert recipes.get(name) == before, name
        assert recipes.get(name).for_data(ring) == before.for_data(ring), name


# fgan-pearson and dragan are the toy adjustments' regression tests: unregularised Pearson
# runs away, and DRAGAN with the paper's lambda = 10 keeps 1-3 modes.
@pytest.mark.parametrize("recipe", ["nsgan", "lsgan", "hinge", "fgan-pearson", "dragan"])
def test_short_runs_find_most_ring_modes(recipe):
    gan = build(recipe, "ring", steps=1000, seed=0)
    train(gan, progress=False)
    result = evaluate(gan)
    assert result["modes"] >= 6, result


# ------------------------------------------------------------------ fit_discriminator


def test_fit_discriminator_estimates_kl_between_gaussians():
    # -d_loss of the KL f-GAN is a lower bound on KL(P||Q) that a good critic nearly attains.
    from ganlib import fdiv
    from ganlib.models import Discriminator
    from ganlib.train import fit_discriminator

    torch.manual_seed(0)
    D = Discriminator(1, 64, 2)
    loss = losses.get("fgan-kl")
    hist = fit_discriminator(D, loss.d_loss, lambda n: torch.randn(n, 1),
                             lambda n: 1.0 + torch.randn(n, 1), steps=1500)
    estimate = -sum(hist[-300:]) / 300
    exact = fdiv.gaussian("kl", 0.0, 1.0, 1.0, 1.0)  # 0.5
    assert abs(estimate - exact) < 0.05, (estimate, exact)
    assert len(hist) == 1500


def test_fit_discriminator_stops_on_non_finite_loss_and_keeps_the_weights():
    from ganlib.models import Discriminator
    from ganlib.train import fit_discriminator

    D = Discriminator(2, 16, 1)
    calls = []

    def real(n):
        calls.append(n)
        return torch.full((n, 2), float("nan")) if len(calls) == 3 else torch.zeros(n, 2)

    before = []
    with pytest.raises(NonFiniteLossError, match="step 2"):
        fit_discriminator(D, losses.get("nonsaturating").d_loss, real,
                          lambda n: before.append(copy.deepcopy(D)) or torch.ones(n, 2), steps=5)
    assert same_weights(D, before[-1])


# ------------------------------------------------------------------ the command line


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "ganlib", *args], capture_output=True,
                          text=True)


def test_command_line_prints_json(tmp_path):
    out = run_cli("train", "--recipe", "lsgan", "--data", "grid", "--steps", "20", "--quiet",
                  "--batch-size", "64", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("recipe", "data", "steps", "seconds", "modes", "high_quality", "kl"):
        assert key in result
    assert result["recipe"] == "lsgan" and result["steps"] == 20 and result["batch_size"] == 64
    assert (tmp_path / "lsgan_grid_seed0_20steps.png").stat().st_size > 1000


@pytest.mark.parametrize("args, message", [
    (["--recipe", "nope"], "invalid choice"),
    (["--steps", "0"], "must be at least 1"),
    (["--steps", "-5"], "must be at least 1"),
    (["--batch-size", "0"], "must be at least 1"),
    (["--device", "banana"], "unknown device"),
    (["--device", "cuda"] if not torch.cuda.is_available() else ["--device", "xla"],
     "not available|unknown device"),
    (["--out", "/proc/nope"], "cannot write"),
])
def test_command_line_refuses_bad_arguments_before_any_work(args, message):
    base = {"--recipe": "nsgan", "--data": "ring"}
    full = [a for k, v in base.items() if k not in args for a in (k, v)] + args
    out = run_cli("train", *full, "--quiet")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert any(m in out.stderr for m in message.split("|")), out.stderr
