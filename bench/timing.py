"""Timing that holds up on a shared, noisy machine.

Throughput of single-threaded CPU work is timed on this process's CPU clock: time the
operating system gives to other processes does not count, so two contenders measured on
a busy machine still compare their work (on an idle machine it equals wall time). With
more threads (their waiting counts as CPU time) or on a GPU (asynchronous work), it is
wall time, with a device synchronisation before the clock stops. Two contenders run in
alternating blocks (A B B A A B …) and each neighbouring pair gives one ratio; the median
over pairs ignores the blocks that a burst of load hit. Latencies, which a user feels,
are always wall time.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

Block = Callable[[], int]  # runs some work and returns how many units (steps, words) it did


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def on_cpu_clock(device: torch.device) -> bool:
    return device.type == "cpu" and torch.get_num_threads() == 1


def clock(device: torch.device) -> Callable[[], float]:
    """The throughput clock: process CPU time for single-threaded CPU work, else wall time."""
    return time.process_time if on_cpu_clock(device) else time.perf_counter


def per_second(unit: str, device: torch.device) -> str:
    """The unit of a throughput timed by `clock(device)`, e.g. 'steps/CPU·s' or 'steps/s'."""
    return f"{unit}/CPU·s" if on_cpu_clock(device) else f"{unit}/s"


def rate(block: Block, device: torch.device, now: Callable[[], float] | None = None) -> float:
    """Units per second of one block, on `now` (default: `clock(device)`)."""
    now = now or clock(device)
    synchronise(device)
    start = now()
    units = block()
    synchronise(device)
    return units / max(now() - start, 1e-9)


@dataclass(frozen=True)
class Comparison:
    """Rates of the two contenders, block by block, in the order they ran."""

    ours: list[float]
    reference: list[float]

    @property
    def ratio(self) -> float:
        """Median over neighbouring pairs of ours / reference."""
        return statistics.median(a / b for a, b in zip(self.ours, self.reference))

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def reference_median(self) -> float:
        return statistics.median(self.reference)

    def as_dict(self) -> dict:
        return {"ours_rates": self.ours, "reference_rates": self.reference, "pair_ratio_median": self.ratio}


def interleaved(ours: Block, reference: Block, pairs: int, device: torch.device, warmup: int = 1,
                now: Callable[[], float] | None = None) -> Comparison:
    """Rates of `pairs` A/B block pairs after `warmup` untimed pairs; which goes first alternates."""
    for _ in range(warmup):
        ours(), reference()
    ours_rates, reference_rates = [], []
    for index in range(pairs):
        if index % 2 == 0:
            ours_rates.append(rate(ours, device, now))
            reference_rates.append(rate(reference, device, now))
        else:
            reference_rates.append(rate(reference, device, now))
            ours_rates.append(rate(ours, device, now))
    return Comparison(ours_rates, reference_rates)


def calibrate(run: Callable[[int], int], seconds: float, device: torch.device, probe: int = 3) -> int:
    """How many units `run(n)` does in about `seconds` of its clock, judged from one probe of `probe` units."""
    return max(1, round(seconds * rate(lambda: run(probe), device)))


def _call_ms(call: Callable[[], object], device: torch.device) -> float:
    synchronise(device)
    start = time.perf_counter()
    call()
    synchronise(device)
    return 1000 * (time.perf_counter() - start)


def latencies_ms(call: Callable[[], object], repeats: int, device: torch.device, warmup: int = 3) -> np.ndarray:
    """Wall time of each of `repeats` calls in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    return np.array([_call_ms(call, device) for _ in range(repeats)])


def interleaved_latencies_ms(ours: Callable[[], object], reference: Callable[[], object], repeats: int,
                             device: torch.device, warmup: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Wall-time latencies of two contenders called alternately (ours, reference, ours, …), in milliseconds."""
    for _ in range(warmup):
        ours(), reference()
    pairs = [(_call_ms(ours, device), _call_ms(reference, device)) for _ in range(repeats)]
    return np.array([a for a, _ in pairs]), np.array([b for _, b in pairs])
