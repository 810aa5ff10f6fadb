"""The loss study: every recipe x dataset x seed, trained as ensembles, one tidy CSV.

    python -m ganlib study --recipes nsgan lsgan wgan-gp --data ring grid --seeds 5
    python -m ganlib study ... --shard 2/4          # the second of 4 disjoint parts
    python -m ganlib study-merge runs/a runs/b      # the parts' CSVs -> one study.csv
    python -m ganlib study --hidden 64 --submit 2   # narrower networks, 2 processes

The grid is cells (recipe, data, seed) with seeds 0 .. N-1. Each (recipe, data) block trains
its seeds as one :mod:`ganlib.ensemble` (its members are the single runs, up to rounding);
a recipe the ensemble cannot batch (spectral normalisation: hinge) trains its seeds one after
another, and the study says so. Each member is scored by :func:`ganlib.train.evaluate`
(``modes``, ``high_quality``, ``kl`` on mixtures; ``sliced_w`` elsewhere) and, on digits,
:func:`ganlib.metrics.digits_metrics` as well.

The CSV (``study.csv``, or ``study-K-of-N.csv`` for a shard) has one row per cell: the cell,
``steps``, ``status`` ("ok", or "stopped" with ``stopped_at`` and ``stopped_by`` when a loss
went non-finite: the member keeps its last good weights, which are scored), ``seconds`` (the
member's training time as ganlib.ensemble defines it: the ensemble's seconds divided by its
members; a member trained alone, its own seconds), ``batched``, and every metric (empty where
the dataset has none). A block's rows are appended as soon as it finishes, so a rerun of the
same command skips the finished cells (resume after an interruption). Beside the CSV, a JSON
file holds the grid, the command, the machine, the date and the wall time.

Networks: each recipe's own (:func:`ganlib.train.build`: 128 units on the 2-D data, 256 on
digits) unless ``hidden`` (``--hidden``) sets one width for all; the JSON records it, and a
resumed or merged study must keep it. On the book's 2-core CPU the default grid took 29 min
at 128 units and 13 min at 64, whose scores are lower (chapter 11, "Ten minutes on a
laptop?"; bench/RESULTS.md).

Sharding: ``--shard K/N`` keeps the blocks whose index in the grid's order (recipes, then
data) is K-1 modulo N -- whole blocks, so each ensemble stays as large as the seeds allow.
``study-merge`` reads the parts' CSVs and JSONs and writes one ``study.csv``. Its parts are the
shards of a study, or whole studies (or shards of them) of the same data, seeds, steps and
width, whose recipes it joins: the merged grid is every part's whole grid together. It refuses
a cell that two parts hold, or a cell of that grid that none holds, naming them.

Scale-out through a scheduler. :func:`submit` sends the N shards as one submitit job array
(``python -m ganlib study ... --submit N``): submitit's local executor runs them as separate
processes on this machine; on a cluster with Slurm (``--cluster slurm``) each shard is a Slurm
job; it waits for them and merges. Without submitit, a Slurm job array does the same::

    #!/bin/bash
    #SBATCH --array=1-3 --cpus-per-task=2 --time=01:00:00
    export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
    python -m ganlib study --recipes nsgan lsgan wgan-gp --data ring grid --seeds 5 \\
        --out runs/study --shard ${SLURM_ARRAY_TASK_ID}/3
    # then, once all 3 have finished:  python -m ganlib study-merge runs/study

Chapter 11, "The protocol" and "Scaling out"; test: tests/test_study.py.
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import re
import shlex
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import torch

from ganlib import data as datasets
from ganlib import ensemble, metrics, recorded
from ganlib.train import EVAL_SEED, TRAJECTORY_VERSION, evaluate

# the default study: every unconditional loss family of the book
RECIPES = ["gan", "nsgan", "lsgan", "wgan", "wgan-gp", "wgan-lp", "dragan", "hinge", "rpgan",
           "ebgan", "r1", "fgan-kl", "fgan-reverse-kl", "fgan-pearson", "fgan-hellinger"]
CELL = ["recipe", "data", "seed"]
METRICS = ["modes", "high_quality", "kl", "sliced_w", "fd", "class_fd", "coverage", "class_kl",
           "confidence", "spread"]
COLUMNS = CELL + ["steps", "status", "stopped_at", "stopped_by", "seconds", "batched"] + METRICS


def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" -> (K, N) with 1 <= K <= N; anything else raises ValueError."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"a shard is K/N, such as 2/4; got {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"a shard K/N needs 1 <= K <= N; got {text!r}")
    return k, n


def blocks(recipes, data, shard=(1, 1)) -> list[tuple[str, str]]:
    """The (recipe, data) blocks of the grid that shard (K, N) trains: index = K-1 mod N."""
    k, n = shard
    grid = [(r, d) for r in recipes for d in data]
    return [b for i, b in enumerate(grid) if i % n == k - 1]


def cells(spec: dict) -> set[tuple[str, str, int]]:
    """The cells a study (or shard) spec covers."""
    return {(r, d, s) for r, d in blocks(spec["recipes"], spec["data"], tuple(spec["shard"]))
            for s in range(spec["seeds"])}


def paths(out, shard=(1, 1)) -> tuple[Path, Path]:
    """The CSV and JSON files of a study (or of shard K/N) in folder ``out``."""
    stem = "study" if shard == (1, 1) else f"study-{shard[0]}-of-{shard[1]}"
    return Path(out) / f"{stem}.csv", Path(out) / f"{stem}.json"


def read(path) -> list[dict]:
    """The rows of a study CSV, with numbers as numbers (None where empty)."""
    with open(path, newline="") as f:
        return [_typed(row) for row in csv.DictReader(f)]


def load(name: str = "study-quick") -> tuple[list[dict], dict]:
    """A study recorded in ganlib/results: (rows of <name>.csv, <name>.json)."""
    csv_path = recorded.FOLDER / f"{name}.csv"
    if not csv_path.exists():
        raise ValueError(f"no recorded study {name!r} in {recorded.FOLDER}")
    return read(csv_path), json.loads(csv_path.with_suffix(".json").read_text())


def _typed(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if value == "" or value is None:
            out[key] = None
        elif key in ("seed", "steps", "stopped_at", "modes"):
            out[key] = int(float(value))
        elif key in ("seconds", *METRICS):
            out[key] = float(value)
        elif key == "batched":
            out[key] = value == "True"
        else:
            out[key] = value
    return out


def _score(ens, i: int, data: str) -> dict:
    """Member i's metrics: evaluate() (and digits_metrics on digits); {} if not finite."""
    gan = ens.runs[i]
    if ens.batched:  # member i's weights into its run, as ensemble.train's own scoring does
        ens._write(i, gan, with_optimizers=False)
    try:
        out = evaluate(gan)
        if data == "digits":
            out.update(metrics.digits_metrics(gan.sample(metrics.MIXTURE_SAMPLES,
                                                          seed=EVAL_SEED)))
        return out
    except ValueError:  # non-finite samples
        return {}


def train_block(recipe: str, data: str, seeds, steps: int, device: str = "auto",
                log=print, hidden: int | None = None) -> list[dict]:
    """Train ``seeds`` of one (recipe, data) block as an ensemble; one row per seed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ens = ensemble.build(recipe, data, seeds=seeds, steps=steps, device=device,
                             hidden=hidden)
    if not ens.batched:
        log(f"{recipe} on {data}: {len(seeds)} runs one after another ({ens.reason})")
    for w in caught:
        if "train one after another" not in str(w.message):
            warnings.warn(w.message, w.category, stacklevel=2)
    result = ensemble.train(ens, progress=False, evaluate=False)
    rows = []
    for i, seed in enumerate(ens.seeds):
        err = result.failures.get(i)
        rows.append({"recipe": recipe, "data": data, "seed": seed, "steps": steps,
                     "status": "stopped" if err else "ok",
                     "stopped_at": err.step if err else None,
                     "stopped_by": err.which if err else None,
                     "seconds": round(result.histories[i].seconds, 3),
                     "batched": ens.batched, **_score(ens, i, data)})
    return rows


def run(recipes, data, seeds: int, steps: int = 2000, out="runs/study", shard=(1, 1),
        device: str = "auto", command: str | None = None, log=print,
        hidden: int | None = None) -> list[dict]:
    """Train the cells of the grid (or of shard K/N) not already in its CSV; return all rows.

    Rows are appended block by block; a rerun skips cells already there. The CSV must hold
    the same number of steps and network width as asked (else ValueError: choose another
    ``out``). ``hidden``: one width for every network (None: each recipe's own).
    """
    shard = tuple(shard)
    csv_path, json_path = paths(out, shard)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    spec = {"recipes": list(recipes), "data": list(data), "seeds": seeds, "steps": steps,
            "hidden": hidden, "shard": list(shard)}
    done = read(csv_path) if csv_path.exists() else []
    if any(r["steps"] != steps for r in done):
        raise ValueError(f"{csv_path} holds runs of another number of steps; "
                         f"use another --out, or --steps {done[0]['steps']}")
    have = {(r["recipe"], r["data"], r["seed"]) for r in done}
    before = json.loads(json_path.read_text()) if json_path.exists() and have else {}
    if before.get("parts"):
        raise ValueError(f"{csv_path} is a merged study (study-merge wrote it); train into "
                         "another --out and merge the two")
    if have and before.get("hidden") != hidden:
        width = before.get("hidden") or "the recipes' own"
        raise ValueError(f"{csv_path} holds runs of another network width ({width}); "
                         "use another --out")
    start, trained = time.perf_counter(), 0

    def write_info():  # after every block, so an interrupted study still says what it is
        json_path.write_text(json.dumps({
            **spec, "command": command or "ganlib.study.run", "machine": recorded.machine(),
            "date": datetime.date.today().isoformat(),
            "threads": torch.get_num_threads(),
            "trajectory_version": TRAJECTORY_VERSION, "cells_trained": trained,
            "wall_seconds": round(  # every invocation's, summed
                before.get("wall_seconds", 0) + time.perf_counter() - start, 1)}, indent=1)
                             + "\n")

    if not csv_path.exists():
        with open(csv_path, "w", newline="") as f:
            csv.DictWriter(f, COLUMNS).writeheader()
    for recipe, name in blocks(recipes, data, shard):
        todo = [s for s in range(seeds) if (recipe, name, s) not in have]
        if not todo:
            continue
        t = time.perf_counter()
        rows = train_block(recipe, name, todo, steps, device, log, hidden)
        with open(csv_path, "a", newline="") as f:
            csv.DictWriter(f, COLUMNS).writerows(rows)
        done += [_typed({k: "" if r.get(k) is None else str(r[k]) for k in COLUMNS})
                 for r in rows]
        trained += len(rows)
        log(f"{recipe} on {name}: {len(todo)} seeds in {time.perf_counter() - t:.1f} s")
        write_info()
    if trained or not json_path.exists():  # a rerun that trains nothing leaves it as it was
        write_info()
    return done


def _part_files(source: Path) -> list[Path]:
    """A folder's shard files (study-K-of-N.csv), or else its study.csv; a CSV file itself."""
    if not source.is_dir():
        return [source]
    found = (sorted(source.glob("study-*-of-*.csv"),
                    key=lambda f: [int(x) for x in re.findall(r"\d+", f.stem)])
             or sorted(source.glob("study.csv")))
    if not found:
        raise ValueError(f"no study files (study.csv or study-K-of-N.csv) in {source}")
    return found


def merge(sources, out, note: str | None = None) -> list[dict]:
    """Combine parts of studies into ``out``/study.csv: shards (folders holding
    study-K-of-N.csv files, or the CSV files) and whole studies (a folder's study.csv).

    The parts must share data, seeds, steps and network width; their recipes are joined, and
    the merged grid is every part's whole grid together. Refuses (ValueError) a cell held
    twice, a cell of that grid held by none (naming the shards to run) or a row outside it,
    and parts that differ in data, seeds, steps, width or trajectory version; and it will
    not overwrite a ``study.csv`` that a run wrote (not a merge) and that is not a part. The
    JSON lists every part (its recipes, shard, command, wall time, threads, machine and note),
    ``wall_seconds_summed`` their wall times added (not the elapsed time when parts ran side
    by side), and ``note`` if given (say, what else shared the machine).
    """
    files = [f for source in map(Path, sources) for f in _part_files(source)]
    csv_path, json_path = paths(out)
    if (csv_path.exists() and csv_path.resolve() not in {f.resolve() for f in files}
            and not (json_path.exists() and json.loads(json_path.read_text()).get("parts"))):
        raise ValueError(f"{csv_path} holds a study that a run wrote and that is not among "
                         "the parts: merging would overwrite it; choose another --out, or "
                         "name its folder as a part too")
    rows, owner, specs = [], {}, []
    for path in files:
        if not path.with_suffix(".json").exists():
            raise ValueError(f"{path} has no {path.with_suffix('.json').name} beside it: "
                             "a study's CSV and JSON travel together")
        spec = json.loads(path.with_suffix(".json").read_text())
        specs.append(spec)
        for row in read(path):
            cell = (row["recipe"], row["data"], row["seed"])
            if cell in owner:
                raise ValueError(f"cell {cell} is in both {owner[cell]} and {path}: "
                                 "merge each part once")
            owner[cell] = path
            rows.append(row)
    keys = ("data", "seeds", "steps", "hidden", "trajectory_version")
    for path, spec in zip(files, specs):
        differ = [k for k in keys if spec.get(k) != specs[0].get(k)]
        if differ:
            raise ValueError(f"{path} and {files[0]} come from studies of different "
                             f"{', '.join(differ)}: only the recipes may differ")
    recipes = list(dict.fromkeys(r for s in specs for r in s["recipes"]))
    grid = set().union(*(cells({**s, "shard": [1, 1]}) for s in specs))
    outside = sorted(set(owner) - grid)
    if outside:
        raise ValueError(f"{len(outside)} cells are not in the study's grid, e.g. {outside[0]} "
                         f"in {owner[outside[0]]}")
    missing = sorted(grid - set(owner))
    if missing:
        todo = sorted({f"{i % s['shard'][1] + 1}/{s['shard'][1]} of --recipes "
                       f"{' '.join(s['recipes'])}"
                       for s in specs for i, b in enumerate(blocks(s["recipes"], s["data"]))
                       if any(b == c[:2] for c in missing)})
        raise ValueError(f"{len(missing)} cells of the grid are missing, e.g. {missing[0]}: "
                         f"run shard(s) {'; '.join(todo)} (to the end)")
    Path(out).mkdir(parents=True, exist_ok=True)
    rows.sort(key=lambda r: (recipes.index(r["recipe"]), specs[0]["data"].index(r["data"]),
                             r["seed"]))
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows({k: "" if r.get(k) is None else r[k] for k in COLUMNS} for r in rows)
    parts = [{**{k: s[k] for k in ("note", "elapsed_seconds") if s.get(k) is not None}, **p}
             for path, s in zip(files, specs) for p in s.get("parts") or [  # a merge's parts
                 {"file": str(path), **{k: s.get(k) for k in (
                     "recipes", "shard", "command", "wall_seconds", "threads", "machine",
                     "date")}}]]
    info = {"recipes": recipes, **{k: specs[0].get(k) for k in keys}, "shard": [1, 1],
            "parts": parts,
            "wall_seconds_summed": round(sum(p.get("wall_seconds") or 0 for p in parts), 1),
            "machine": sorted({m for p in parts for m in np.atleast_1d(p["machine"])}),
            "date": max(p["date"] for p in parts), **({"note": note} if note else {})}
    json_path.write_text(json.dumps(info, indent=1) + "\n")
    return rows


def _shard_job(threads: int, *args, **kwargs) -> list[dict]:
    """One submitted shard: :func:`run` with ``threads`` torch threads (a local executor's
    processes would otherwise each take every core)."""
    torch.set_num_threads(threads)
    return run(*args, **kwargs)


def submit(recipes, data, seeds: int, steps: int, out, shards: int, cluster: str = "local",
           device: str = "auto", timeout_min: int = 60, log=print, hidden: int | None = None,
           cpus_per_task: int | None = None, command: str | None = None) -> list[dict]:
    """Run the study as ``shards`` submitit jobs (one job array), wait, and merge them.

    ``cluster``: "local" (separate processes on this machine), "slurm" or "auto"
    (Slurm when it is there). Each shard gets ``cpus_per_task`` cores and as many torch
    threads; the default is, locally, the cores this process may use shared out (at least
    one each), and 1 on a cluster (ask for more there). The merged JSON records the elapsed
    time from submission to merge. Logs go to ``out``/submitit/.
    """
    import os

    import submitit

    csv_path, json_path = paths(out)
    if csv_path.exists() and not (json_path.exists()
                                  and json.loads(json_path.read_text()).get("parts")):
        raise ValueError(f"{csv_path} holds a study that a run wrote; the shards' merge would "
                         "overwrite it: choose another --out")
    start = time.perf_counter()
    cpus = cpus_per_task
    if cpus is None:
        usable = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                  else os.cpu_count() or 1)
        cpus = max(1, usable // shards) if cluster == "local" else 1
    executor = submitit.AutoExecutor(folder=Path(out) / "submitit", cluster=cluster)
    executor.update_parameters(timeout_min=timeout_min, cpus_per_task=cpus)
    k_of_n = [(k, shards) for k in range(1, shards + 1)]
    n = len(k_of_n)
    jobs = executor.map_array(partial(_shard_job, cpus, hidden=hidden),
                              [recipes] * n, [data] * n, [seeds] * n, [steps] * n,
                              [out] * n, k_of_n, [device] * n, [command] * n)
    log(f"submitted {n} shards ({executor.cluster}): {', '.join(j.job_id for j in jobs)}")
    for job in jobs:
        job.result()  # raises if a shard failed, with its traceback
    rows = merge([out], out)
    info = json.loads(json_path.read_text())
    info["elapsed_seconds"] = round(time.perf_counter() - start, 1)
    json_path.write_text(json.dumps(info, indent=1) + "\n")
    return rows


def provenance(info: dict, commands: bool = True) -> str:
    """How a study was recorded, in sentences, from its JSON: per command (quoted when
    ``commands``), its recipes, its wall time (for shards, the slowest; with the elapsed time
    from submission to merge when :func:`submit` recorded it), its torch threads; then each
    part's note and the study's (notes are sentences). A merged study lists every part; a
    part of at most five recipes is named by them."""
    groups: dict = {}
    for part in info.get("parts") or [info]:
        sharded = (part.get("shard") or [1, 1])[1] > 1
        command = re.sub(r"--shard \d+/(\d+)", r"--shard K/\1",  # a shard's, as one
                         part.get("command") or "ganlib.study.run")
        key = (command, sharded, part.get("note"))
        groups.setdefault(key if sharded else (*key, len(groups)), []).append(part)
    out = []
    for (command, sharded, note, *_), parts in groups.items():
        recipes = list(dict.fromkeys(r for p in parts for r in p["recipes"]))
        walls = [p.get("wall_seconds") or 0 for p in parts]
        threads = sorted({p.get("threads") for p in parts} - {None})
        elapsed = parts[0].get("elapsed_seconds") or (
            info.get("elapsed_seconds") if len(groups) == 1 else None)
        named = len(groups) > 1 and len(recipes) <= 5  # a small part: say which
        out.append((f"`{command}`: " if commands else "")
                   + (", ".join(recipes[:-1]) + f" and {recipes[-1]}" if named
                      and len(recipes) > 1 else recipes[0] if named
                      else f"{len(recipes)} recipe{'' if len(recipes) == 1 else 's'}")
                   + (f" as {len(parts)} shards, the slowest taking {max(walls) / 60:.1f} min"
                      if sharded else f" in {walls[0] / 60:.1f} min")
                   + (f" ({elapsed / 60:.1f} min from submission to merge)" if elapsed else "")
                   + (f", {'/'.join(map(str, threads))} torch thread"
                      f"{'' if threads == [1] else 's'}{' each' if sharded else ''}"
                      if threads else "") + "."
                   + (f" {note}" if note else ""))
    return " ".join(out + ([info["note"]] if info.get("note") else []))


def summary(rows, by=("recipe", "data")) -> list[dict]:
    """Per group: runs, stopped runs, and for each metric present its mean and standard
    error over seeds (s / sqrt(n), n the runs with a value; None when n < 2)."""
    groups: dict = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in by), []).append(r)
    out = []
    for key, rs in groups.items():
        entry = {**dict(zip(by, key)), "runs": len(rs),
                 "stopped": sum(r["status"] != "ok" for r in rs),
                 "seconds": sum(r["seconds"] for r in rs) / len(rs)}
        for m in METRICS + ["seconds"]:
            values = [r[m] for r in rs if r.get(m) is not None and math.isfinite(r[m])]
            if not values or (m == "seconds"):
                continue
            mean = sum(values) / len(values)
            se = (math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)
                            / len(values)) if len(values) > 1 else None)
            entry[m], entry[m + "_se"], entry[m + "_n"] = mean, se, len(values)
        out.append(entry)
    return out


def table(rows, columns=("modes", "high_quality", "kl", "fd", "coverage")) -> str:
    """A plain-text table of :func:`summary`: mean ± s.e. over seeds per recipe and data."""
    entries = summary(rows)
    shown = [c for c in columns if any(c in e for e in entries)]
    head = ["recipe", "data", "runs", "stopped", *shown, "s/run"]
    lines = [head]
    for e in entries:
        cells_ = [e["recipe"], e["data"], str(e["runs"]), str(e["stopped"])]
        for c in shown:
            cells_.append("" if c not in e else f"{e[c]:.3g}" if e[c + "_se"] is None
                          else f"{e[c]:.3g} ± {e[c + '_se']:.2g}")
        cells_.append(f"{e['seconds']:.1f}")
        lines.append(cells_)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in lines)


def plot_summary(rows, data=None, axes=None):
    """One figure: per recipe, mean modes and mean high-quality share with ± 1 s.e. bars,
    one column of panels per mixture dataset (a dashed line at its number of modes).
    Returns the figure."""
    import matplotlib.pyplot as plt

    entries = [e for e in summary(rows) if "modes" in e]
    data = data or list(dict.fromkeys(e["data"] for e in entries))
    if axes is None:
        fig, axes = plt.subplots(2, len(data), figsize=(4.2 * len(data), 6.5), squeeze=False,
                                 layout="constrained")
    else:
        fig = axes[0][0].figure
    for j, name in enumerate(data):
        es = sorted((e for e in entries if e["data"] == name),  # the book's order first
                    key=lambda e: RECIPES.index(e["recipe"]) if e["recipe"] in RECIPES else 99)
        y = range(len(es))
        for i, (m, label) in enumerate((("modes", "modes captured"),
                                        ("high_quality", "high-quality share"))):
            ax = axes[i][j]
            ax.errorbar([e[m] for e in es], y, xerr=[e[m + "_se"] or 0 for e in es], fmt="o",
                        capsize=3)
            ax.set_yticks(list(y), [e["recipe"] for e in es])
            ax.invert_yaxis()
            ax.set(xlabel=f"{label} (mean ± s.e.)", title=name)
            ax.grid(axis="x", alpha=0.3)
        k = len(datasets.get(name).centers)
        axes[0][j].axvline(k, color="0.5", ls="--", lw=1)
        axes[0][j].set_xlim(0, k * 1.04)
        axes[1][j].set_xlim(0, 1)
    return fig


# ------------------------------------------------------------------------ command line


def main(args) -> int:
    """``python -m ganlib study`` (args from ganlib.__main__'s parser)."""
    command = "python -m ganlib " + shlex.join(sys.argv[1:]) if sys.argv[1:] else None
    if getattr(args, "submit", None) and args.shard != (1, 1):
        raise ValueError("--submit N makes its own shards; leave out --shard")
    if args.command == "study-merge":
        out = args.out or args.sources[0]
        rows = merge(args.sources, out, note=args.note)
        print(f"merged {len(rows)} rows into {paths(out)[0]}")
        args.out, args.shard = out, (1, 1)
    elif args.submit:
        rows = submit(args.recipes, args.data, args.seeds, args.steps, args.out, args.submit,
                      cluster=args.cluster, device=args.device, hidden=args.hidden,
                      command=command, cpus_per_task=args.cpus_per_task,
                      timeout_min=args.timeout_min)
    else:
        rows = run(args.recipes, args.data, args.seeds, args.steps, args.out, args.shard,
                   args.device, command, hidden=args.hidden)
    print(table(rows))
    if any(r.get("modes") is not None for r in rows) and args.shard == (1, 1):
        import matplotlib

        matplotlib.use("Agg")
        figure = Path(args.out) / "study.png"
        plot_summary(rows).savefig(figure, dpi=100)
        print(f"wrote {paths(args.out, args.shard)[0]} and {figure}")
    return 0


__all__ = ["RECIPES", "COLUMNS", "blocks", "cells", "load", "merge", "parse_shard",
           "plot_summary", "provenance", "read", "run", "submit", "summary", "table"]
