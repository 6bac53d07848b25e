"""Family 7, classroom: simulated students playing the 2-D GAN at once, on one server and behind `make class`.

Each student is a websocket session (bench/student_client.py): it opens pages/gan.py, everybody
presses ▶ together, and each re-runs the live fragments on their timers as a browser does for
PLAY_SECONDS, then pauses. Meanwhile the health endpoint is probed and the servers' memory sampled.
Steps, throughput and CPU time are counted while every student plays (after the last ▶ and before
the first ⏸): a click reruns the whole page, which a short lesson would count against training.
Two set-ups, each started afresh for every class size: one `streamlit run` server (`make run`), and
one replica per core behind HAProxy (deploy/, as `make class` starts them).

Per student: the refresh interval (median and p95 of the gaps between redraws) and steps/s. Per
class: total steps/s over the bare loop's × the cores the set-up can use (one for one server), the
health endpoint's p95, the servers' peak RSS, and sessions lost or mixed up. The bare loop is timed
on this process's CPU clock, what a free core gives; since other programs may hold the cores, the
notes also compare with `cores` bare loops run in parallel processes just before each class, in wall
time: what the machine gave right then. `python -m bench.classroom bare SECONDS` is one such process.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bench.app_start import free_port
from bench.student_client import Student, classroom, play_together, together
from bench.table import Goal, Row
from bench.timing import calibrate, rate
from bench.workloads import WORKLOADS
from deploy.balancer import find_haproxy
from deploy.classroom import class_servers, cores, new_cookie_secret, running_replicas
from deploy.replicas import ROOT, Replica

CLASS_SIZES = (1, 10, 30)
PLAY_SECONDS = 20.0
BARE_SECONDS = 4.0  # each parallel bare loop's run, just before a class
GAN = next(workload for workload in WORKLOADS if workload.name == "2-D GAN")
PAGE, PREFIX = "gan", "gan"
GOALS = {  # (set-up, students) -> {measure: goal}, from the issue that asked for this family
    ("balancer", 30): {"refresh median": Goal("≤", 1.0, on="ours"), "refresh p95": Goal("≤", 2.0, on="ours"),
                       "class steps/s": Goal("≥", 0.5), "health p95": Goal("≤", 0.5, on="ours"),
                       "servers' peak RSS": Goal("≤", 2500, on="ours")},
    ("one server", 30): {"refresh p95": Goal("≤", 3.0, on="ours"), "class steps/s": Goal("≥", 0.35)},
    ("one server", 1): {"class steps/s": Goal("≥", 0.85)},
    ("balancer", 1): {"class steps/s": Goal("≥", 0.85)},
}


@dataclass(frozen=True)
class Servers:
    url: str  # where students connect
    replicas: list[Replica]  # the Python processes that train: the cores the set-up can use

    def rss_megabytes(self) -> float:
        return sum(replica.rss_megabytes() for replica in self.replicas)

    def cpu_seconds(self) -> float:
        return sum(replica.cpu_seconds() for replica in self.replicas)


@contextmanager
def one_server(logs: Path) -> Iterator[Servers]:
    with running_replicas([free_port()], "127.0.0.1", new_cookie_secret(), logs) as replicas:
        yield Servers(replicas[0].url, replicas)


@contextmanager
def behind_balancer(logs: Path) -> Iterator[Servers]:
    with class_servers([free_port() for _ in range(cores())], free_port(), logs=logs) as servers:
        yield Servers(servers.url, servers.replicas)


SETUPS = {"one server": one_server, "balancer": behind_balancer}


def bare_steps_per_cpu_second(device: torch.device) -> float:
    """One bare loop of the 2-D GAN on this process's CPU clock: median of a few blocks."""
    _, bare = GAN.bare(device)
    steps = calibrate(bare, 0.2, device)
    return statistics.median(rate(lambda: bare(steps), device, time.process_time) for _ in range(7))


def bare_steps(seconds: float) -> int:
    """What one process does in `seconds` of wall time (the `bare` command)."""
    torch.set_num_threads(1)
    _, bare = GAN.bare(torch.device("cpu"))
    done, stop = 0, time.perf_counter() + seconds
    while time.perf_counter() < stop:
        done += bare(10)
    return done


def parallel_bare(processes: int, seconds: float = BARE_SECONDS) -> float:
    """Steps per wall second of `processes` bare loops run at once, each in its own process."""
    command = [sys.executable, "-m", "bench.classroom", "bare", str(seconds)]
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    return sum(int(run.communicate()[0].split()[-1]) for run in runs) / seconds


def measure(device: torch.device) -> list[Row]:
    if device.type != "cpu":
        return [Row("classroom", "skipped: it measures CPU servers (PLAYGROUND_DEVICE=cpu runs it)")]
    bare = bare_steps_per_cpu_second(device)
    rows = []
    for setup in SETUPS:
        if setup == "balancer":
            try:
                find_haproxy()
            except RuntimeError as missing:
                rows.append(Row("classroom behind the balancer", f"skipped: {missing}"))
                continue
        for count in CLASS_SIZES:
            rows += measure_class(setup, count, bare)
    return rows


def measure_class(setup: str, count: int, bare: float) -> list[Row]:
    logs = Path(tempfile.mkdtemp(prefix="playground-bench-class-"))
    with SETUPS[setup](logs) as servers:
        processes = len(servers.replicas)
        machine = parallel_bare(processes)
        load = os.getloadavg()[0]
        with classroom(servers.url, PAGE, count) as students:
            together(students[:1], Student.open)  # the first fills each cache; the others open together
            together(students[1:], Student.open)
            lesson = play_together(students, PREFIX, PLAY_SECONDS, servers.url, servers.rss_megabytes,
                                   servers.cpu_seconds)
    gaps = lesson.gaps or [float("nan")]
    usable = min(count, processes)  # a student trains on one core at most
    seconds, steps, used = lesson.together_seconds, lesson.together_steps, lesson.together_cpu_seconds
    total = sum(steps) / seconds
    name = f"classroom: {count} × GAN, {'one server' if setup == 'one server' else f'{processes} replicas'}"
    goals = GOALS.get((setup, count), {})
    return [
        Row(f"{name}: refresh median", statistics.median(gaps), "s", goal=goals.get("refresh median"),
            note=(f"{len(lesson.gaps)} refreshes; per student {statistics.median(steps) / seconds:.1f} "
                  f"steps/s (median, min {min(steps) / seconds:.1f}); ⏸ answered in "
                  f"{statistics.median(lesson.pause_seconds):.2f} s (median, max {max(lesson.pause_seconds):.2f} s) "
                  f"after the student's last refresh; load average {load:.1f}")),
        Row(f"{name}: refresh p95", float(np.percentile(gaps, 95)), "s", goal=goals.get("refresh p95")),
        Row(f"{name}: class steps/s", total, "steps/s", bare * usable, f"bare loop × {usable}",
            goal=goals.get("class steps/s"), note=(
                f"{usable} bare loop(s) run in parallel processes just before gave {machine:.0f} steps/s of wall "
                f"time on this machine: ours is {total / machine:.2f}× that. Steps and CPU here are counted over the "
                f"{seconds:.0f} s during which every student had pressed ▶ and nobody ⏸")),
        Row(f"{name}: steps per server CPU·s", sum(steps) / used, "steps/CPU·s", bare, "bare loop", note=(
            f"the servers used {used / seconds:.2f} cores while the class played (other programs had the rest): "
            "this ratio is what the class would get of the cores it can use, were they its own")),
        Row(f"{name}: health p95", float(np.percentile(lesson.health, 95)), "s", goal=goals.get("health p95")),
        Row(f"{name}: servers' peak RSS", max(lesson.memory), "MB", goal=goals.get("servers' peak RSS")),
        Row(f"{name}: sessions lost or mixed up", lesson.lost, "sessions", goal=Goal("≤", 0, on="ours")),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["bare"]:
        print(bare_steps(float(sys.argv[2])))
