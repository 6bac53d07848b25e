"""Family 7, the device: what the table ran on, and on a CPU whether the thread cap pays off.

`playground.device.cap_cpu_threads` gives each process PLAYGROUND_THREADS threads (2 by
default). On a CPU shared with other busy processes, a second OpenMP thread can cost more
than it brings (threads wait for each other at every operation), so the bare AE loop runs
alternately with the cap and with 1 thread, timed on the wall clock.
"""

import time
from functools import partial

import torch

from bench.table import Row
from bench.timing import calibrate, interleaved
from bench.workloads import WORKLOADS, Run
from playground.device import describe

PAIRS = 5
BLOCK_SECONDS = 0.4


def with_threads(threads: int, run: Run, steps: int) -> int:
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return run(steps)
    finally:
        torch.set_num_threads(previous)


def measure(device: torch.device) -> list[Row]:
    rows = [Row("device", describe(device))]
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1:
        return rows
    workload = WORKLOADS[0]
    _, run = workload.bare(device)
    steps = calibrate(partial(with_threads, 1, run), BLOCK_SECONDS, device)
    comparison = interleaved(partial(with_threads, threads, run, steps), partial(with_threads, 1, run, steps),
                             PAIRS, device, now=time.perf_counter)  # wall time: threads are meant to save it
    rows.append(Row(
        f"CPU threads: bare {workload.name} loop, {threads} threads", comparison.ours_median, "steps/s",
        comparison.reference_median, "1 thread", comparison.ratio,
        note=("a ratio below 1 means the other processes on this machine make a second thread a loss: "
              "lower PLAYGROUND_THREADS there"),
        extra=comparison.as_dict(),
    ))
    return rows
