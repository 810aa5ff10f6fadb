import json
import math
import types

import pytest
import torch

from ganlib import data, recorded


def test_record_writes_one_row_per_run_and_load_reads_it(tmp_path, monkeypatch):
    monkeypatch.setitem(recorded.EXPERIMENTS, "tiny", dict(
        setups={"nsgan": ("nsgan", {}), "lsgan b=2": ("lsgan", {"loss_params": {"b": 2.0}})},
        data={"ring": 3}, seeds=[0, 1]))
    result = recorded.record("tiny", folder=tmp_path)
    saved = json.loads((tmp_path / "tiny.json").read_text())
    assert saved == result and saved["command"] == "python -m ganlib record tiny"
    assert [(r["setup"], r["seed"]) for r in saved["runs"]] == [
        ("nsgan", 0), ("nsgan", 1), ("lsgan b=2", 0), ("lsgan b=2", 1)]
    assert {"modes", "high_quality", "kl", "seconds", "steps"} <= set(saved["runs"][0])
    monkeypatch.setattr(recorded, "FOLDER", tmp_path)
    assert recorded.load("tiny") == saved


def test_every_experiment_is_recorded_completely():
    for name, spec in recorded.EXPERIMENTS.items():
        runs = recorded.load(name)["runs"]
        expected = {(d, s, seed) for d in spec["data"] for s in spec["setups"]
                    for seed in spec["seeds"]}
        assert {(r["data"], r["setup"], r["seed"]) for r in runs} == expected, name


def test_recorded_runs_come_from_the_current_training_step():
    from ganlib.train import TRAJECTORY_VERSION

    for name in recorded.EXPERIMENTS:
        saved = recorded.load(name).get("trajectory_version")
        assert saved == TRAJECTORY_VERSION, (
            f"{name} was recorded with trajectory version {saved}, ganlib is at "
            f"{TRAJECTORY_VERSION}: run python -m ganlib record {name}")


def test_unknown_experiment_names_the_valid_ones():
    with pytest.raises(ValueError, match="lsgan-codings"):
        recorded.record("nope")
    with pytest.raises(ValueError, match="python -m ganlib record nope"):
        recorded.load("nope")


def test_a_run_that_stops_is_scored_and_says_where(tmp_path, monkeypatch):
    from ganlib import train as train_module

    def train_then_fail(gan, progress=False):
        train_module.train(gan, 2, progress=False)
        raise train_module.NonFiniteLossError(gan.step, "g_loss", float("nan"))

    monkeypatch.setattr(recorded, "train", train_then_fail)
    monkeypatch.setitem(recorded.EXPERIMENTS, "tiny", dict(
        setups={"nsgan": ("nsgan", {})}, data={"ring": 5}, seeds=[0]))
    (row,) = recorded.record("tiny", folder=tmp_path)["runs"]
    assert row["stopped_at"] == 2 and row["stopped_by"] == "g_loss"
    assert {"modes", "high_quality", "kl"} <= set(row)


def test_an_extra_function_adds_columns_and_changes_nothing_else(tmp_path, monkeypatch):
    spec = dict(setups={"wgan": ("wgan", {})}, data={"ring": 4}, seeds=[0, 1])
    monkeypatch.setitem(recorded.EXPERIMENTS, "tiny", spec)
    plain = recorded.record("tiny", folder=tmp_path)["runs"]
    monkeypatch.setitem(recorded.EXPERIMENTS, "tiny", {**spec, "extra": recorded.ring_geometry})
    extended = recorded.record("tiny", folder=tmp_path)["runs"]
    for before, after in zip(plain, extended, strict=True):
        added = set(after) - set(before)
        assert {"within_0.06", "tangential_agree", "median_arc_offset"} <= added
        same = {k: v for k, v in after.items() if k not in added and k != "seconds"}
        assert same == {k: v for k, v in before.items() if k != "seconds"}
        assert after["within_0.06"] == pytest.approx(after["high_quality"])  # the same samples


class _Fixed(types.SimpleNamespace):
    """A stand-in for a trained GAN: fixed samples, a given critic, the ring's modes."""

    def sample(self, n, seed=0):
        assert n == len(self.points)
        return self.points.clone()


def _on_ring(radius, turn):
    """2,500 points at ``radius``, at the eight modes' angles turned by ``turn`` radians."""
    angle = torch.arange(2500) % 8 * (math.pi / 4) + torch.as_tensor(turn).expand(2500)
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)


def _geometry(points, critic):
    return recorded.ring_geometry(_Fixed(points=points, data=data.get("ring"),
                                         device=torch.device("cpu"), D=critic))


def _onto_circle(x):  # pulls samples radially onto the circle, knows nothing of the modes
    return -(x.norm(dim=1) - 2).abs()


def _towards_mode_angle(x):  # minus the angle to the nearest mode's angle: tangential pull
    turn = torch.atan2(x[:, 1], x[:, 0])
    return -(torch.remainder(turn + math.pi / 8, math.pi / 4) - math.pi / 8).abs()


def test_ring_geometry_on_known_samples_and_fields():
    # On the modes: everything within 0.06, nothing off the circle or the modes' angles.
    out = _geometry(_on_ring(2.0, 0.0), _onto_circle)
    assert out["within_0.06"] == 1 and out["median_distance"] < 1e-5
    assert out["on_circle_0.06"] == 1 and out["on_mode_angle_0.06"] == 1
    assert out["tangential_count"] == out["radial_count"] == 0
    # Radially off by 0.3, at the modes' angles: a radial blur, which the radial field fixes.
    out = _geometry(_on_ring(2.3, 0.0), _onto_circle)
    assert out["median_radial_offset"] == pytest.approx(0.3, abs=1e-5)
    assert out["median_distance"] == pytest.approx(0.3, abs=1e-5)
    assert out["on_circle_0.06"] == 0 and out["on_mode_angle_0.06"] == 1
    assert out["radial_count"] == 2500 and out["radial_agree"] == 1
    assert out["within_0.06"] == 0 and out["within_0.2"] == 0
    assert out["median_grad_norm"] == pytest.approx(1, abs=1e-5)
    # On the circle, turned 0.1 rad (an arc of 0.2) to either side: an angular blur. The
    # radial field has no tangential part; the angular one points the right way everywhere.
    points = _on_ring(2.0, torch.where(torch.arange(2500) % 2 == 0, 0.1, -0.1))
    for critic, agree in ((_onto_circle, 0.0), (_towards_mode_angle, 1.0)):
        out = _geometry(points, critic)
        assert out["median_arc_offset"] == pytest.approx(0.2, abs=1e-5)
        assert out["on_circle_0.06"] == 1 and out["on_mode_angle_0.06"] == 0
        assert out["tangential_count"] == 2500 and out["tangential_agree"] == agree
        assert out["within_0.2"] == 1 and out["beyond_midpoint"] == 0
    assert out["tangential_fraction"] == pytest.approx(1, abs=1e-4)
    # Nearly half-way between two modes along the circle: beyond the chord's midpoint.
    out = _geometry(_on_ring(2.0, math.pi / 8 - 0.001), _towards_mode_angle)
    assert out["beyond_midpoint"] == 1 and out["median_distance"] > 2 * math.sin(math.pi / 8)
