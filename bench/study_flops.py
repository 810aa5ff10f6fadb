"""The arithmetic of the default loss study, and the least time it needs on this machine.

    python bench/study_flops.py [--hidden 128 64] [--seeds 5] [--steps 2000] [--peak GFLOPS]

For each recipe of ganlib.study.RECIPES on the ring and the grid, one training step of one
run is counted with torch.utils.flop_counter's formulas (the matrix products of every
forward and backward pass the step takes: D's n_critic updates, penalties' double backward,
G's update; element-wise work is not counted), after one uncounted step. The study's total
is that times steps times seeds, and dividing it by the machine's batched-matmul peak (the
float32 GFLOP/s of large torch.bmm products on every core, measured here by
bench/ensemble.py's bmm_rate unless --peak is given) gives a lower bound on its wall time
for products that run no faster than that measured rate (the element-wise work, the
optimiser and the scoring only add to it). Prints a Markdown table.

Chapter 11, "Ten minutes on a laptop?"; bench/RESULTS.md, "The quick loss study".
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ensemble import bmm_rate  # noqa: E402

from ganlib import study  # noqa: E402
from ganlib import train as single  # noqa: E402


class Flops(TorchDispatchMode):
    """Adds up the FLOPs of every operator torch's own flop counter has a formula for (its
    ``flop_registry``: the matrix products and convolutions, forward and backward). Unlike
    FlopCounterMode it tracks no modules, whose hooks refuse ``autograd.grad`` inside a
    backward pass (the penalties' double backward)."""

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:  # as FlopCounterMode calls it
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def step_flops(recipe: str, data: str, hidden: int | None) -> int:
    """Counted FLOPs of one training step of one run (after one uncounted step)."""
    gan = single.build(recipe, data, steps=2000, seed=0, device="cpu", hidden=hidden)
    single.train_step(gan)
    with Flops() as counter:
        single.train_step(gan)
    return counter.total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--peak", type=float, default=None, help="GFLOP/s (default: measure)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    peak = args.peak or bmm_rate("cpu", seconds=3.0)
    print(f"batched-matmul peak: {peak:.0f} GFLOP/s ({torch.get_num_threads()} threads)\n")
    print("| width | recipes x data | TFLOP, whole study | of it, wgan family | "
          "least wall time at the peak |")
    print("|---|---|---|---|---|")
    for hidden in args.hidden:
        flops = {(r, d): step_flops(r, d, hidden) for r in study.RECIPES for d in ("ring", "grid")}
        scale = args.steps * args.seeds / 1e12
        total = sum(flops.values()) * scale
        wgans = sum(f for (r, _), f in flops.items() if r.startswith("wgan")) * scale
        print(f"| {hidden} | {len(flops)} | {total:.1f} | {wgans:.1f} | "
              f"{total * 1e3 / peak / 60:.1f} min |")


if __name__ == "__main__":
    main()
