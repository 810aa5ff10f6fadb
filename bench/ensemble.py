"""Many small GANs at once: ganlib's ensemble against the other ways to use both cores.

    python bench/ensemble.py [--members 32] [--steps 30] [--runs 2] [--repeats 3] [--device cpu]

Every variant trains the same work -- the non-saturating GAN (nsgan) on the ring, 3 x 128
MLPs, batch 256 -- and is reported per member-step (one training step of one GAN):
- ``ensemble``: ganlib.ensemble, ``--members`` runs as one batched model, every core's thread;
- ``ensemble, P processes x 1 thread``: the same members split over P single-threaded
  processes (one per core);
- ``sequential``: ganlib.train.train, one run after another on one thread;
- ``P processes x 1 thread``: single runs in P single-threaded processes at once, what a
  user does without ensembles;
- ``torch.func vmap``: PyTorch's model-ensembling recipe (stack_module_state, functional_call
  and vmap) in a bare nsgan loop with fused Adam, every core's thread; its members share one
  random stream and no checks or schedule, so it does less than the ensemble.
It also measures the batched-matmul peak of this machine (float32 GFLOP/s over a few large
torch.bmm shapes, both as one process with every core's thread and as one single-threaded
process per core, the larger counting) and reports each variant's matmul rate -- the FLOPs of
a member-step (counted from the layer sizes: the matrix products of the forward and backward
passes that each update needs) times member-steps per second -- as a fraction of it.
It also times a hidden layer's three batched products at this work's own shapes, the rate
that bounds a batched step on this machine (small products run well below the large ones).
Timed work starts after a warm-up and, for processes, after all of them are ready (a
barrier); building, starting Python and importing torch are not timed. The variants alternate,
``--repeats`` rounds, and each is reported by its median (and best) round. Prints a Markdown
table. Other jobs on the machine's cores change every figure, two threads in one process most
(each parallel operation then waits for a time slice of the busy core): compare the rows of
one run, on a quiet machine where possible.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from functools import partial

import torch

HIDDEN, DEPTH, BATCH, Z, DATA = 128, 3, 256, 2, 2


def flops_per_member_step(hidden: int = HIDDEN, depth: int = DEPTH, n: int = BATCH) -> float:
    """Matrix-product FLOPs of one nsgan step (one D update, one G update), 2 m k n each.

    D step: G forward on n (no gradient), D forward on 2n, D backward on 2n (weight
    gradients of every layer, input gradients of every layer but the first).
    G step: G forward on n, D forward on n, D backward (input gradients only), G backward
    (weight gradients, input gradients of every layer but the first).
    """
    g_sizes = [Z] + [hidden] * depth + [DATA]
    d_sizes = [DATA] + [hidden] * depth + [1]

    def fwd(sizes, rows):
        return sum(2 * rows * a * b for a, b in zip(sizes[:-1], sizes[1:]))

    def first(sizes, rows):
        return 2 * rows * sizes[0] * sizes[1]

    d_step = fwd(g_sizes, n) + fwd(d_sizes, 2 * n) + 2 * fwd(d_sizes, 2 * n) - first(d_sizes, 2 * n)
    g_step = (fwd(g_sizes, n) + fwd(d_sizes, n) + fwd(d_sizes, n)
              + 2 * fwd(g_sizes, n) - first(g_sizes, n))
    return float(d_step + g_step)


# ------------------------------------------------------------------------ the variants


def run_ensemble(members: int, steps: int, device: str, seed0: int = 0) -> float:
    """Seconds for ``steps`` steps of a ``members``-run ensemble (after a 3-step warm-up)."""
    import warnings

    from ganlib import ensemble

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nsgan must batch
        ens = ensemble.build("nsgan", "ring", seeds=range(seed0, seed0 + members),
                             steps=steps + 3, device=device, batch_size=BATCH)
    ensemble.train(ens, 3, progress=False, evaluate=False)
    sync = _sync(ens.runs[0].device)
    sync()
    start = time.perf_counter()
    ensemble.train(ens, steps, progress=False, evaluate=False)
    sync()
    return time.perf_counter() - start


def run_single(runs: int, steps: int, device: str, seed0: int = 0) -> float:
    """Seconds for ``runs`` single runs of ``steps`` steps, one after another."""
    from ganlib import train as single

    gans = [single.build("nsgan", "ring", steps=steps + 3, seed=seed0 + s, device=device,
                         batch_size=BATCH) for s in range(runs)]
    for gan in gans:
        single.train(gan, 3, progress=False)
    sync = _sync(gans[0].device)
    sync()
    start = time.perf_counter()
    for gan in gans:
        single.train(gan, steps, progress=False)
    sync()
    return time.perf_counter() - start


def run_vmap(members: int, steps: int, device: str) -> float:
    """Seconds for ``steps`` steps of PyTorch's model-ensembling recipe on the same networks."""
    import copy

    import torch.nn.functional as F
    from torch.func import functional_call, stack_module_state, vmap

    from ganlib import train as single

    gans = [single.build("nsgan", "ring", steps=steps, seed=s, device=device, batch_size=BATCH)
            for s in range(members)]
    dev, data = gans[0].device, gans[0].data
    nets = {}
    for name in ("G", "D"):
        modules = [getattr(g, name) for g in gans]
        params, buffers = stack_module_state(modules)
        base = copy.deepcopy(modules[0]).to("meta")

        def call(p, b, x, base=base):
            return functional_call(base, (p, b), (x,))

        opt = torch.optim.Adam(params.values(), lr=2e-3, betas=(0.5, 0.999), fused=True)
        nets[name] = (vmap(call), params, buffers, opt)
    G, gp, gb, opt_g = nets["G"]
    D, dp, db, opt_d = nets["D"]
    gen = torch.Generator(device=dev).manual_seed(0)

    def real_batch():
        idx = torch.randint(len(data.centers), (members, BATCH), device=dev, generator=gen)
        noise = torch.randn(members, BATCH, DATA, device=dev, generator=gen)
        return data.centers[idx] + data.std * noise

    def noise():
        return torch.randn(members, BATCH, Z, device=dev, generator=gen)

    def step():
        real = real_batch()
        with torch.no_grad():
            fake = G(gp, gb, noise())
        out = D(dp, db, torch.cat([real, fake], 1))
        d_loss = F.softplus(-out[:, :BATCH]).mean(1) + F.softplus(out[:, BATCH:]).mean(1)
        opt_d.zero_grad()
        d_loss.sum().backward(inputs=list(dp.values()))
        opt_d.step()
        g_loss = F.softplus(-D(dp, db, G(gp, gb, noise()))).mean(1)
        opt_g.zero_grad()
        g_loss.sum().backward(inputs=list(gp.values()))
        opt_g.step()

    for _ in range(3):
        step()
    sync = _sync(dev)
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return time.perf_counter() - start


def _rate(products, flops_each: float, device, seconds: float) -> float:
    """GFLOP/s of calling ``products`` (each of ``flops_each`` FLOPs) round and round for
    ``seconds``, after two warm-up rounds."""
    sync = _sync(device)
    for f in products * 2:
        f()
    sync()
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        for f in products:
            f()
        count += len(products)
    sync()
    return flops_each * count / (time.perf_counter() - start) / 1e9


def bmm_rate(device: str, seconds: float = 1.0) -> float:
    """The best float32 GFLOP/s of torch.bmm over a few large shapes."""
    dev = torch.device(device)
    best = 0.0
    for e, n, k, m in ((64, 512, 512, 512), (16, 1024, 1024, 1024), (32, 512, 128, 128)):
        a, b = torch.randn(e, n, k, device=dev), torch.randn(e, k, m, device=dev)
        out = torch.empty(e, n, m, device=dev)
        product = partial(torch.bmm, a, b, out=out)
        best = max(best, _rate([product], 2 * e * n * k * m, dev, seconds / 3))
    return best


def layer_rate(members: int, device: str, seconds: float = 1.0) -> float:
    """GFLOP/s of the three batched products of one hidden layer at this work's shapes: the
    forward h W, the input gradient g W^T and the weight gradient h^T g, for ``members``
    members on D's batch of 2 x BATCH rows, HIDDEN x HIDDEN weights. About 80% of an ensemble
    step is such products, so this rate bounds the whole step's."""
    dev = torch.device(device)
    e, n, h = members, 2 * BATCH, HIDDEN
    x, g, w = (torch.randn(e, n, h, device=dev), torch.randn(e, n, h, device=dev),
               torch.randn(e, h, h, device=dev))
    products = [lambda: torch.bmm(x, w), lambda: torch.bmm(g, w.transpose(1, 2)),
                lambda: torch.bmm(x.transpose(1, 2), g)]
    return _rate(products, 2 * e * n * h * h, dev, seconds)


def _sync(device):
    return torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)


# ------------------------------------------------------------------------ processes


def _worker(kind: str, args: tuple, barrier, queue) -> None:
    torch.set_num_threads(1)
    if kind == "bmm":
        barrier.wait()
        queue.put(bmm_rate(*args))
        return
    fn = {"ensemble": run_ensemble, "single": run_single}[kind]
    # Build and warm up outside the clock: run the same call once with one step first.
    fn(*((1, 1) + args[2:]))
    barrier.wait()
    start = time.monotonic()
    fn(*args)
    queue.put((start, time.monotonic()))


def in_processes(kind: str, per_process: list[tuple]) -> float | list:
    """Run ``kind`` in one single-threaded process per entry of ``per_process`` at once;
    wall seconds from the common start to the last finish (or the bmm rates)."""
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(len(per_process)), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(kind, a, barrier, queue)) for a in per_process]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    if kind == "bmm":
        return results
    return max(end for _, end in results) - min(start for start, _ in results)


# ------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=32, help="GANs in the ensemble")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per run")
    parser.add_argument("--runs", type=int, default=2,
                        help="single runs per process (sequential and parallel variants)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds over every variant (the variants alternate)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    on_cpu = torch.device(args.device).type == "cpu"
    threads = cores if on_cpu else 1
    torch.set_num_threads(threads)
    E, S, R, dev = args.members, args.steps, args.runs, args.device
    many = on_cpu and cores > 1

    def one_thread(fn):
        def run():
            torch.set_num_threads(1)
            try:
                return fn()
            finally:
                torch.set_num_threads(threads)
        return run

    share = [(E // cores + (p < E % cores), S, dev, p * 1000) for p in range(cores)]
    variants = [  # (label, member-steps, timed function)
        (f"ensemble, {E} members, {threads} threads", E * S, lambda: run_ensemble(E, S, dev)),
        *([(f"ensemble, {cores} processes x 1 thread, {E} members", E * S,
            lambda: in_processes("ensemble", share))] if many else []),
        (f"sequential single runs, 1 thread ({R} runs)", R * S,
         one_thread(lambda: run_single(R, S, dev))),
        *([(f"single runs in {cores} processes x 1 thread ({R} each)", cores * R * S,
            lambda: in_processes("single", [(R, S, dev, p * 1000) for p in range(cores)]))]
          if many else []),
        (f"torch.func vmap, {E} members, {threads} threads", E * S,
         lambda: run_vmap(E, S, dev)),
    ]
    seconds = {label: [] for label, _, _ in variants}
    peaks_threads, peaks_procs = [], []
    for _ in range(args.repeats):
        peaks_threads.append(bmm_rate(dev))
        if many:
            peaks_procs.append(sum(in_processes("bmm", [(dev,)] * cores)))
        for label, _, fn in variants:
            seconds[label].append(fn())
    peak_threads, peak_procs = max(peaks_threads), max(peaks_procs, default=0.0)
    layer = max(layer_rate(E, dev) for _ in range(args.repeats))
    peak = max(peak_threads, peak_procs)

    flops = flops_per_member_step()
    per = {label: statistics.median(seconds[label]) / n for label, n, _ in variants}
    seq = next(v for k, v in per.items() if k.startswith("sequential"))
    print(f"device: {dev}, cores: {cores}, torch {torch.__version__}; nsgan on the ring, "
          f"3 x {HIDDEN} MLPs, batch {BATCH}, {S} timed steps per run, {args.repeats} "
          f"alternating rounds; {flops / 1e6:.0f} MFLOP per member-step (matrix products)")
    print(f"batched-matmul peak: {peak:.0f} GFLOP/s (best of the rounds: {peak_threads:.0f} with "
          f"{threads} threads in one process, {peak_procs:.0f} summed over {cores} "
          f"single-threaded processes); at the peak a member-step takes "
          f"{1e3 * flops / peak / 1e9:.2f} ms")
    print(f"a hidden layer's three batched products at this work's shapes ({E} x {2 * BATCH} x "
          f"{HIDDEN} by {HIDDEN} x {HIDDEN}), {threads} threads: {layer:.0f} GFLOP/s, "
          f"{layer / peak:.0%} of the peak; at that rate a member-step's products take "
          f"{1e3 * flops / layer / 1e9:.2f} ms\n")
    print("| variant | member-steps | median ms / member-step | best | GFLOP/s (median) | of peak "
          "| vs sequential |")
    print("|---|---|---|---|---|---|---|")
    for label, n, _ in variants:
        rate = flops / per[label] / 1e9
        print(f"| {label} | {n} | {1e3 * per[label]:.2f} | {1e3 * min(seconds[label]) / n:.2f} "
              f"| {rate:.0f} | {rate / peak:.0%} | {seq / per[label]:.2f}x |")


if __name__ == "__main__":
    main()
