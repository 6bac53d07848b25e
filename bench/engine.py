"""Family 1, engine overhead: Trainer steps/s over the bare PyTorch loop's, for the AE, VAE, GAN and diffusion.

Goal ≥ 0.95: the trainer's bookkeeping (players, metric detaching, one sync per slice,
NaN checks) may cost at most 5 % of a step.
"""

from functools import partial

import torch

from bench.table import Goal, Row
from bench.timing import calibrate, interleaved, per_second
from bench.workloads import WORKLOADS

BLOCK_SECONDS = 0.1  # one timed block of steps: short, so that both halves of a pair see the same load
PAIRS = 31  # trainer/bare block pairs per workload (median over them)
NOTE = ("the page's default model, batch size and Adam: trainer (no evaluation callback) vs a plain loop, which "
        "tests/test_bench.py proves reaches identical weights; median of paired blocks")


def measure(device: torch.device, pairs: int = PAIRS, block_seconds: float = BLOCK_SECONDS) -> list[Row]:
    rows = []
    for workload in WORKLOADS:
        trainer, (_, bare) = workload.trainer(device), workload.bare(device)
        steps = calibrate(bare, block_seconds, device)
        comparison = interleaved(partial(trainer.step, steps), partial(bare, steps), pairs, device)
        rows.append(Row(
            f"engine overhead: {workload.name}", comparison.ours_median, per_second("steps", device),
            comparison.reference_median, "bare loop", comparison.ratio, Goal("≥", 0.95), note="" if rows else NOTE,
            extra={"steps_per_block": steps, "batch_size": workload.config.batch_size, **comparison.as_dict()},
        ))
    return rows
