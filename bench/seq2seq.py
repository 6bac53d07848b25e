"""Family: the seq2seq race's training speed through the Trainer, over bare PyTorch loops.

The page's race steps two trainers the same number of steps: the date translator with
attention and the same network without it, at the page's defaults (H = 64, batch 64, Adam
3e-3). The reference is the same two models as textbook loops (`bench.workloads.bare_loop`),
on the same batches, seeded alike. Two rows: the engine alone (goal ≥ 0.95, as for the other
engines) and the trainers as the page builds them, scoring 256 held-out dates every 25 steps
(greedy decoding and the test loss), to show what that evaluation costs.
"""

from collections.abc import Callable
from functools import partial

import torch

from bench.table import Goal, Row
from bench.timing import calibrate, interleaved, per_second
from bench.workloads import SEED, Workload
from playground import seq2seq_lessons as lessons
from playground.models.seq2seq import Seq2Seq
from playground.seeding import seeded
from playground.seq2seq_data import DateTask, Seq2SeqBatches
from playground.trainer import TrainConfig, Trainer

DATES = DateTask()
TRAINING = TrainConfig(learning_rate=lessons.LEARNING_RATE, batch_size=lessons.BATCH_SIZE,
                       eval_every=lessons.EVAL_EVERY)
CONFIGS = {name: lessons.model_config(DATES, attention=kind) for name, kind in
           (("attention", "additive"), ("no attention", "none"))}
BLOCK_SECONDS = 0.3  # a block holds a few race steps (~60 ms each on one thread)
PAIRS = 11


def dates(device: torch.device) -> Seq2SeqBatches:
    return Seq2SeqBatches(DATES, device)


RACE = tuple(Workload(f"seq2seq race: {name}", seeded(Seq2Seq, config), TRAINING, dates)
             for name, config in CONFIGS.items())


def together(runs: list[Callable[[int], int]], n: int) -> int:
    """What ⏭ does on the page: every contender takes the same n steps."""
    for run in runs:
        run(n)
    return n


def page_trainers(device: torch.device) -> list[Trainer]:
    """The race as the page builds it, with its evaluation on the held-out dates."""
    return [lessons.build_trainer(DATES, config, TRAINING, SEED, device) for config in CONFIGS.values()]


def measure(device: torch.device, pairs: int = PAIRS, block_seconds: float = BLOCK_SECONDS) -> list[Row]:
    bare = partial(together, [workload.bare(device)[1] for workload in RACE])
    steps = calibrate(bare, block_seconds, device, probe=2)
    rows = []
    for label, trainers in (("engine", [w.trainer(device) for w in RACE]), ("page", page_trainers(device))):
        ours = partial(together, [trainer.step for trainer in trainers])
        comparison = interleaved(partial(ours, steps), partial(bare, steps), pairs, device)
        rows.append(Row(
            f"seq2seq race ({label}): attention + no attention", comparison.ours_median,
            per_second("race steps", device), comparison.reference_median, "bare loops", comparison.ratio,
            Goal("≥", 0.95) if label == "engine" else None,
            note=("both trainers step alike, no evaluation" if label == "engine" else
                  f"with the page's evaluation: {lessons.TEST_EXAMPLES} held-out dates every {TRAINING.eval_every} "
                  "steps (greedy decoding and test loss)"),
            extra={"steps_per_block": steps, **comparison.as_dict()},
        ))
    return rows
