import json

import pytest

from ganlib import recorded


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
