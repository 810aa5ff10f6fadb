"""ganlib's training loop against plain PyTorch loops with the same networks and steps.

    python bench/loop_overhead.py [--steps 1000] [--repeats 3] [--device auto]

Three loops train the non-saturating GAN on the ring, from the same seed, for the same steps:
- ``ganlib``: ganlib.train.train (checks, history, learning-rate schedule, progress off);
- ``plain, same math``: a bare loop doing exactly the same tensor work (one D call on the
  concatenated batch, fused Adam), so the difference is ganlib's bookkeeping;
- ``plain, textbook``: the loop most tutorials write (two D calls, default Adam).
Runs alternate, and the median seconds of ``--repeats`` runs is reported, with the ratio
to the same-math loop. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from ganlib.train import build, pick_device, train


def plain_loop(gan, steps: int, batch: int, same_math: bool) -> None:
    G, D, data = gan.G, gan.D, gan.data
    if same_math:
        opt_g, opt_d = gan.opt_g, gan.opt_d
    else:
        opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(steps):
        real = data.sample(batch)
        fake = G(torch.randn(batch, G.z_dim, device=real.device)).detach()
        if same_math:
            real_out, fake_out = D(torch.cat([real, fake])).split(batch)
        else:
            real_out, fake_out = D(real), D(fake)
        d_loss = F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(batch, G.z_dim, device=real.device)))).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()


def timed(kind: str, steps: int, batch: int, device: str) -> float:
    gan = build("nsgan", "ring", steps=steps, seed=0, device=device, batch_size=batch)
    sync = torch.cuda.synchronize if gan.device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    if kind == "ganlib":
        train(gan, progress=False)
    else:
        plain_loop(gan, steps, batch, same_math=kind == "plain, same math")
    sync()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    kinds = ["ganlib", "plain, same math", "plain, textbook"]
    timed("ganlib", 50, args.batch, args.device)  # warm-up
    seconds = {k: [] for k in kinds}
    for _ in range(args.repeats):
        for k in kinds:
            seconds[k].append(timed(k, args.steps, args.batch, args.device))
    base = statistics.median(seconds["plain, same math"])
    print(f"device: {pick_device(args.device)}, threads: {torch.get_num_threads()}, "
          f"steps: {args.steps}, batch: {args.batch}, repeats: {args.repeats}\n")
    print("| loop | median s | ms / step | vs plain, same math |")
    print("|---|---|---|---|")
    for k in kinds:
        med = statistics.median(seconds[k])
        print(f"| {k} | {med:.2f} | {1000 * med / args.steps:.2f} | {med / base:.2f}x |")


if __name__ == "__main__":
    main()
