"""Ensembles: each member against its own single run, failures, fallbacks, members as runs.

The comparisons run in float64 (torch's default dtype switched for the test): batched and
single matrix products round differently, and a GAN's training amplifies rounding, so in
float32 two correct runs drift apart by up to ~1e-3 in 20 steps; in float64 they agree to
~1e-10, which leaves a wrong draw, term or update nowhere to hide.
"""

import dataclasses
import warnings

import pytest
import torch

from ganlib import ensemble, recipes, terms
from ganlib import train as single
from ganlib.train import NonFiniteLossError

SMALL = dict(hidden=8, depth=2, batch_size=16)
STEPS = 20


@pytest.fixture
def float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def batchable() -> list[str]:
    return [n for n in recipes.names() if recipes.get(n).conditioning == "none"
            and not recipes.get(n).spectral_norm]


VARIANTS = [(name, {}) for name in batchable()] + [
    ("hinge", dict(spectral_norm=False)),
    ("nsgan", dict(updates="simultaneous", optimizer="sgd")),
    ("lsgan", dict(optimizer="rmsprop", n_critic=2)),
    ("nsgan", dict(penalty="r2", penalty_weight=1.0)),
    ("dragan", dict(penalty_params={"scale": 0.3, "k": 0.5})),
    ("wgan-gp", dict(updates="simultaneous", n_critic=1)),
    ("fgan-kl", dict(loss_params={"alternative": True})),
]


def assert_same_run(a: single.GAN, b: single.GAN, tol: float = 1e-9) -> None:
    """Same weights, optimiser states, losses, terms, step and random stream."""
    assert a.step == b.step
    assert torch.equal(a.rng.get_state(), b.rng.get_state()), "the random streams differ"
    for x, y in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(),
                                                             *b.D.parameters()], strict=True):
        torch.testing.assert_close(x, y, rtol=tol, atol=tol)
    for opt_a, opt_b in ((a.opt_g, b.opt_g), (a.opt_d, b.opt_d)):
        for p, q in zip(opt_a.state_dict()["state"].values(),
                        opt_b.state_dict()["state"].values(), strict=True):
            assert p.keys() == q.keys()
            for k in p:
                torch.testing.assert_close(p[k], q[k], rtol=tol, atol=tol)
    ha, hb = a.history, b.history
    assert ha.step == hb.step and ha.d_terms.keys() == hb.d_terms.keys()
    assert ha.g_terms.keys() == hb.g_terms.keys()
    pairs = [(ha.d_loss, hb.d_loss), (ha.g_loss, hb.g_loss),
             *((ha.d_terms[k], hb.d_terms[k]) for k in ha.d_terms),
             *((ha.g_terms[k], hb.g_terms[k]) for k in ha.g_terms)]
    for u, v in pairs:
        torch.testing.assert_close(torch.tensor(u), torch.tensor(v), rtol=tol, atol=tol)


@pytest.mark.parametrize("name, changes", VARIANTS,
                         ids=[f"{n}{'-' + '-'.join(c) if c else ''}" for n, c in VARIANTS])
def test_each_member_follows_its_single_run(name, changes, float64):
    recipe = recipes.get(name, **changes)
    seeds = [3, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # it must batch
        ens = ensemble.build(recipe, "ring", seeds=seeds, steps=STEPS, **SMALL)
    result = ensemble.train(ens, progress=False, evaluate=False)
    assert result.batched and not result.failures
    for i, seed in enumerate(seeds):
        alone = single.build(recipe, "ring", steps=STEPS, seed=seed, **SMALL)
        single.train(alone, progress=False)
        assert_same_run(ens.member(i), alone)


def test_digits_members_follow_their_single_runs(float64):
    ens = ensemble.build("nsgan", "digits", seeds=[0, 1], steps=5, hidden=16, depth=2,
                         batch_size=8)
    ensemble.train(ens, progress=False, evaluate=False)
    for i, seed in enumerate([0, 1]):
        alone = single.build("nsgan", "digits", steps=5, seed=seed, hidden=16, depth=2,
                             batch_size=8)
        single.train(alone, progress=False)
        assert_same_run(ens.member(i), alone)


def test_float32_members_stay_close_to_their_single_runs():
    ens = ensemble.build("r1", "ring", seeds=[0, 1], steps=STEPS, **SMALL)
    ensemble.train(ens, progress=False, evaluate=False)
    for i in range(2):
        alone = single.build("r1", "ring", steps=STEPS, seed=i, **SMALL)
        single.train(alone, progress=False)
        assert_same_run(ens.member(i), alone, tol=1e-3)


def test_a_failing_member_stops_and_the_others_go_on(float64):
    seeds = [0, 1, 2]
    ens = ensemble.build("wgan-gp", "ring", seeds=seeds, steps=10, **SMALL)
    ensemble.train(ens, 4, progress=False, evaluate=False)
    at_stop = ens.member(1)
    with torch.no_grad():  # member 1's generator breaks: its fakes, then D's loss, are NaN
        ens.G.net.weights[0][1, 0, 0] = float("nan")
    result = ensemble.train(ens, 6, progress=False)
    assert set(result.failures) == {1}
    err = result.failures[1]
    assert isinstance(err, NonFiniteLossError) and (err.step, err.which) == (4, "d_loss")
    assert "member 1 (seed 1)" in str(err) and "after 4 completed steps" in str(err)
    # a single run broken the same way stops at the same step, on the same term
    alone = single.build("wgan-gp", "ring", steps=10, seed=1, **SMALL)
    single.train(alone, 4, progress=False)
    with torch.no_grad():
        alone.G.net[0].weight[0, 0] = float("nan")
    with pytest.raises(NonFiniteLossError) as caught:
        single.train(alone, progress=False)
    assert (caught.value.step, caught.value.which) == (err.step, err.which)
    # the stopped member kept its state from before the failing step
    stopped = ens.member(1)
    assert len(stopped.history.d_loss) == 4 and stopped.step == 4
    assert torch.equal(stopped.rng.get_state(), at_stop.rng.get_state())
    for p, q in zip(stopped.D.parameters(), at_stop.D.parameters()):
        assert torch.equal(p, q)
    assert result.metrics[1] == {} and result.rows()[1]["status"].startswith("stopped: d_loss")
    # the others went on exactly as their single runs
    for i in (0, 2):
        alone = single.build("wgan-gp", "ring", steps=10, seed=seeds[i], **SMALL)
        single.train(alone, progress=False)
        assert_same_run(ens.member(i), alone)
        assert result.rows()[i]["status"] == "ok" and "modes" in result.metrics[i]


def test_a_member_continues_as_a_single_run(float64, tmp_path):
    ens = ensemble.build("wgan-gp", "ring", seeds=[0, 5], steps=12, **SMALL)
    ensemble.train(ens, 6, progress=False, evaluate=False)
    gan = ens.member(1)
    single.save(gan, tmp_path / "member.pt")
    single.load(single.build("wgan-gp", "ring", steps=12, seed=5, **SMALL), tmp_path / "member.pt")
    single.train(gan, progress=False)  # weights, optimiser state and stream carry over
    alone = single.build("wgan-gp", "ring", steps=12, seed=5, **SMALL)
    single.train(alone, progress=False)
    assert_same_run(gan, alone)
    assert ens.member(1).step == 6, "member() returns a copy"


def test_metrics_evaluations_and_time_per_member():
    ens = ensemble.build("nsgan", "ring", seeds=[0, 1, 2], steps=10, **SMALL)
    result = ensemble.train(ens, eval_every=5, progress=False)
    assert result.seeds == [0, 1, 2] and len(result.histories) == 3
    for i, h in enumerate(result.histories):
        assert [e["step"] for e in h.evals] == [5, 10]
        assert result.metrics[i] == single.evaluate(ens.member(i))
        assert h.seconds == pytest.approx(result.seconds / 3)
    assert result.seconds_per_member == pytest.approx(result.seconds / 3)
    assert [r["seed"] for r in result.rows()] == [0, 1, 2]
    assert all(r["steps"] == 10 and "high_quality" in r for r in result.rows())
    with pytest.raises(ValueError, match="plan more steps"):
        ensemble.train(ens, 1, progress=False)


@pytest.mark.parametrize("name, reason", [("hinge", "spectral normalisation"),
                                          ("cgan", "conditioning"), ("infogan", "conditioning")])
def test_what_cannot_batch_trains_one_run_after_another(name, reason):
    with pytest.warns(UserWarning, match=reason):
        ens = ensemble.build(name, "ring", seeds=[0, 1], steps=3, **SMALL)
    result = ensemble.train(ens, progress=False)
    assert not result.batched and reason in result.reason and not result.failures
    alone = single.build(name, "ring", steps=3, seed=1, **SMALL)
    single.train(alone, progress=False)
    assert_same_run(ens.member(1), alone, tol=0)
    assert "modes" in result.metrics[1]


def test_a_term_without_a_stacked_form_trains_one_run_after_another(monkeypatch):
    """The ensemble batches a term by what it supports (Term.stacked), not by its name."""
    pull_away = terms._FACTORIES["pull_away"]
    monkeypatch.setitem(terms._FACTORIES, "pull_away", lambda weight, conditioning:
                        dataclasses.replace(pull_away(weight, conditioning), stacked=False))
    with pytest.warns(UserWarning, match="the pull_away term has no stacked form"):
        ens = ensemble.build("ebgan", "ring", seeds=[0, 1], steps=3, **SMALL)
    result = ensemble.train(ens, progress=False, evaluate=False)
    assert not result.batched and not result.failures
    alone = single.build("ebgan", "ring", steps=3, seed=1, **SMALL)
    single.train(alone, progress=False)
    assert_same_run(ens.member(1), alone, tol=0)


def test_sequential_on_request_and_bad_seeds():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for: no warning
        ens = ensemble.build("nsgan", "ring", seeds=[0], steps=2, batched=False, **SMALL)
    assert not ens.batched and "batched=False" in ens.reason
    with pytest.raises(ValueError, match="at least one seed"):
        ensemble.build("nsgan", "ring", seeds=[], **SMALL)
