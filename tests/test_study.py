"""The loss study: its CSV, resuming, shards run as separate processes and merged, bad input.

A tiny grid (2 recipes x 1 dataset x 2 seeds x 20 steps) keeps the file to seconds; the
shards go through submitit's local executor (separate processes, as on a cluster).
"""

import csv
import math
import shutil

import pytest
import torch

from ganlib import __main__ as cli
from ganlib import study

GRID = dict(recipes=["nsgan", "lsgan"], data=["ring"], seeds=2, steps=20, device="cpu")


def quiet(*args):
    pass


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    study.run(**GRID, out=out, log=quiet)
    return out


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    pytest.importorskip("submitit")
    out = tmp_path_factory.mktemp("sharded")
    study.submit(GRID["recipes"], GRID["data"], GRID["seeds"], GRID["steps"], out, shards=2,
                 cluster="local", device="cpu", timeout_min=5, log=quiet)
    return out


def test_one_row_per_cell_with_every_column(whole):
    with open(whole / "study.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == study.COLUMNS
    rows = study.read(whole / "study.csv")
    assert [(r["recipe"], r["seed"]) for r in rows] == [
        ("nsgan", 0), ("nsgan", 1), ("lsgan", 0), ("lsgan", 1)]
    for r in rows:
        assert r["data"] == "ring" and r["steps"] == 20 and r["status"] == "ok"
        assert r["batched"] and r["seconds"] > 0 and r["stopped_at"] is None
        assert 0 <= r["modes"] <= 8 and 0 <= r["high_quality"] <= 1 and r["kl"] >= 0
        assert r["sliced_w"] is None and r["fd"] is None  # not metrics of the ring
    summary = study.summary(rows)
    assert [(e["recipe"], e["runs"]) for e in summary] == [("nsgan", 2), ("lsgan", 2)]
    hq = [r["high_quality"] for r in rows[:2]]
    mean = sum(hq) / 2
    assert math.isclose(summary[0]["high_quality"], mean)
    assert math.isclose(summary[0]["high_quality_se"], abs(hq[0] - hq[1]) / 2)  # s / sqrt(2)
    assert "nsgan" in study.table(rows) and " ± " in study.table(rows)
    fig = study.plot_summary(rows)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlim()[1] > 8  # modes, high quality


def test_digits_rows_carry_the_digits_metrics(tmp_path):
    rows = study.run(["nsgan"], ["digits"], seeds=2, steps=5, out=tmp_path, device="cpu",
                     log=quiet)
    assert len(rows) == 2 and all(r["status"] == "ok" for r in rows)
    for r in rows:
        assert r["modes"] is None and r["sliced_w"] > 0 and r["fd"] > 0
        assert 0 <= r["coverage"] <= 1 and r["class_kl"] >= 0


def test_resume_trains_only_the_missing_cells(whole, tmp_path, monkeypatch):
    shutil.copy(whole / "study.csv", tmp_path / "study.csv")
    calls = []
    real = study.train_block

    def counting(recipe, data, seeds, *args, **kwargs):
        calls.append((recipe, list(seeds)))
        return real(recipe, data, seeds, *args, **kwargs)

    monkeypatch.setattr(study, "train_block", counting)
    rows = study.run(**GRID, out=tmp_path, log=quiet)
    assert calls == [] and len(rows) == 4, "a finished study must not train again"
    lines = (tmp_path / "study.csv").read_text().splitlines()  # interrupted after 3 cells
    (tmp_path / "study.csv").write_text("\n".join(lines[:4]) + "\n")
    rows = study.run(**GRID, out=tmp_path, log=quiet)
    assert calls == [("lsgan", [1])]
    assert sorted((r["recipe"], r["seed"]) for r in rows) == sorted(
        (r["recipe"], r["seed"]) for r in study.read(whole / "study.csv"))
    with pytest.raises(ValueError, match="another number of steps"):
        study.run(**{**GRID, "steps": 30}, out=tmp_path, log=quiet)


def test_shards_in_separate_processes_merge_to_the_whole_study(whole, sharded):
    assert sorted(p.name for p in sharded.glob("study-*.csv")) == [
        "study-1-of-2.csv", "study-2-of-2.csv"]
    a, b = study.read(whole / "study.csv"), study.read(sharded / "study.csv")
    assert [(r["recipe"], r["data"], r["seed"]) for r in a] == [
        (r["recipe"], r["data"], r["seed"]) for r in b]
    for x, y in zip(a, b):  # each member is its single run, whichever process trained it
        for m in ("modes", "high_quality", "kl"):
            assert math.isclose(x[m], y[m], rel_tol=1e-6, abs_tol=1e-6), (x, y)


def test_merge_refuses_overlaps_gaps_and_mixed_studies(sharded, whole, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    for suffix in ("csv", "json"):
        shutil.copy(sharded / f"study-1-of-2.{suffix}", one / f"study-1-of-2.{suffix}")
    with pytest.raises(ValueError, match="missing.*shard\\(s\\) 2/2"):
        study.merge([one], tmp_path / "merged")
    with pytest.raises(ValueError, match="in both"):
        study.merge([sharded, one], tmp_path / "merged")
    extra = tmp_path / "extra"
    shutil.copytree(one, extra)
    for suffix in ("csv", "json"):
        shutil.copy(sharded / f"study-2-of-2.{suffix}", extra / f"study-2-of-2.{suffix}")
    with open(extra / "study-2-of-2.csv", "a") as f:
        f.write("gan,ring,0,20,ok,,,0.1,True,1,0.1,2.0,,,,,,,\n")
    with pytest.raises(ValueError, match="not in the study's grid"):
        study.merge([extra], tmp_path / "merged")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["study-merge", str(sharded), str(one), "--out", str(tmp_path)])
    assert exit_.value.code == 2


def test_shards_run_with_their_share_of_the_cores(sharded):
    import json
    import os

    for k in (1, 2):
        info = json.loads((sharded / f"study-{k}-of-2.json").read_text())
        assert info["threads"] == max(1, len(os.sched_getaffinity(0)) // 2)
    merged = json.loads((sharded / "study.json").read_text())
    assert [p["shard"] for p in merged["parts"]] == [[1, 2], [2, 2]]
    assert merged["wall_seconds_summed"] == pytest.approx(
        sum(p["wall_seconds"] for p in merged["parts"]), abs=0.2)
    assert merged["elapsed_seconds"] >= max(p["wall_seconds"] for p in merged["parts"])
    words = study.provenance(merged)
    assert words.startswith("`ganlib.study.run`: 2 recipes as 2 shards, the slowest taking ")
    assert "min from submission to merge" in words and "torch thread" in words


def test_provenance_words_shards_and_whole_studies_apart():
    part = {"recipes": ["a", "b"], "command": "cmd", "wall_seconds": 600, "threads": 1}
    shards = {"parts": [{**part, "shard": [1, 2]}, {**part, "shard": [2, 2],
                                                     "wall_seconds": 720}],
              "note": "Quiet."}
    assert study.provenance(shards) == (
        "`cmd`: 2 recipes as 2 shards, the slowest taking 12.0 min, 1 torch thread each. Quiet.")
    wholes = {"parts": [{**part, "shard": [1, 1]},  # the same command run twice, one by one
                        {**part, "recipes": ["c"], "shard": [1, 1], "wall_seconds": 300,
                         "note": "Later."}]}
    assert study.provenance(wholes, commands=False) == (
        "a and b in 10.0 min, 1 torch thread. c in 5.0 min, 1 torch thread. Later.")
    by_hand = {"parts": [{**part, "shard": [k, 3], "command": f"cmd --shard {k}/3 --out x"}
                         for k in (1, 2, 3)]}  # shards started one by one: one command each
    assert study.provenance(by_hand) == (
        "`cmd --shard K/3 --out x`: 2 recipes as 3 shards, the slowest taking 10.0 min, "
        "1 torch thread each.")


def test_merge_joins_whole_studies_of_other_recipes(whole, tmp_path):
    import json

    more = tmp_path / "more"
    study.run(["gan"], ["ring"], seeds=2, steps=20, device="cpu", out=more, log=quiet)
    rows = study.merge([whole, more], tmp_path / "joined", note="a test")
    assert [(r["recipe"], r["seed"]) for r in rows] == [
        ("nsgan", 0), ("nsgan", 1), ("lsgan", 0), ("lsgan", 1), ("gan", 0), ("gan", 1)]
    assert study.read(tmp_path / "joined" / "study.csv") == rows
    info = json.loads((tmp_path / "joined" / "study.json").read_text())
    assert info["recipes"] == ["nsgan", "lsgan", "gan"] and info["note"] == "a test"
    assert [p["recipes"] for p in info["parts"]] == [["nsgan", "lsgan"], ["gan"]]
    again = study.merge([tmp_path / "joined"], tmp_path / "again")  # a merged study is a part
    assert again == rows
    again_parts = json.loads((tmp_path / "again" / "study.json").read_text())["parts"]
    assert again_parts == [{**p, "note": "a test"} for p in info["parts"]], "notes kept"
    other = tmp_path / "other"  # same recipes' grid, another number of steps
    study.run(["gan"], ["ring"], seeds=2, steps=10, device="cpu", out=other, log=quiet)
    with pytest.raises(ValueError, match="different steps"):
        study.merge([whole, other], tmp_path / "bad")
    wide = tmp_path / "wide"
    study.run(["gan"], ["ring"], seeds=2, steps=20, device="cpu", out=wide, log=quiet,
              hidden=16)
    with pytest.raises(ValueError, match="different hidden"):
        study.merge([whole, wide], tmp_path / "bad")
    with pytest.raises(ValueError, match="in both"):
        study.merge([whole, tmp_path / "joined"], tmp_path / "bad")
    with pytest.raises(ValueError, match="would overwrite"):  # a run's own study.csv
        study.merge([more], whole)
    assert study.read(whole / "study.csv")[0]["recipe"] == "nsgan", "left as it was"
    with pytest.raises(ValueError, match="merged study"):  # no training into a merge
        study.run(["gan"], ["ring"], seeds=2, steps=20, device="cpu",
                  out=tmp_path / "joined", log=quiet)
    lone = tmp_path / "lone.csv"
    shutil.copy(whole / "study.csv", lone)
    with pytest.raises(ValueError, match="no lone.json beside it"):
        study.merge([lone], tmp_path / "bad2")


def test_a_rerun_that_trains_nothing_leaves_the_json_alone(whole, tmp_path):
    shutil.copy(whole / "study.csv", tmp_path / "study.csv")
    shutil.copy(whole / "study.json", tmp_path / "study.json")
    before = (tmp_path / "study.json").read_text()
    study.run(**GRID, out=tmp_path, log=quiet, command="another command")
    assert (tmp_path / "study.json").read_text() == before


def test_hidden_sets_every_network_and_a_resume_keeps_it(tmp_path, monkeypatch):
    widths = []
    real = study.ensemble.build

    def spy(*args, **kwargs):
        ens = real(*args, **kwargs)
        widths.extend({m.weight.shape[0] for g in ens.runs for net in (g.G, g.D)
                       for m in net.modules() if isinstance(m, torch.nn.Linear)} - {1, 2})
        return ens

    monkeypatch.setattr(study.ensemble, "build", spy)
    study.run(["nsgan"], ["ring"], seeds=1, steps=2, device="cpu", out=tmp_path, log=quiet,
              hidden=16)
    assert set(widths) == {16}
    with pytest.raises(ValueError, match="another network width"):
        study.run(["nsgan", "gan"], ["ring"], seeds=1, steps=2, device="cpu", out=tmp_path,
                  log=quiet)


@pytest.mark.parametrize("argv", [
    ["study", "--recipes", "nsgan", "no-such-loss"],
    ["study", "--data", "moons"],
    ["study", "--seeds", "0"],
    ["study", "--steps", "-5"],
    ["study", "--shard", "3/2"],
    ["study", "--shard", "half"],
    ["study", "--hidden", "0"],
    ["study", "--submit", "2", "--cpus-per-task", "0"],
    ["study", "--submit", "2", "--shard", "1/2"],
    ["study-merge", "/no/such/folder"],
])
def test_bad_arguments_exit_2_before_any_training(argv, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(study, "train_block", lambda *a, **k: pytest.fail("it trained"))
    if argv[0] == "study":
        argv = [*argv, "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err
