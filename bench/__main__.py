"""`python -m bench [--only FAMILY ...]`: run the benchmark families, print one table, keep it.

Writes bench/results/latest.json (git-ignored, every number and raw sample) and, after a
run of every family, bench/RESULTS.md (the table to commit). A family that fails becomes a
row saying so, with its traceback on stderr, so one missing model does not hide the rest.
"""

import argparse
import datetime
import importlib
import os
import platform
import time
import traceback
from pathlib import Path

import torch

from bench.table import Row, text_table, write_json, write_markdown
from bench.timing import on_cpu_clock
from playground.device import cap_cpu_threads, describe, pick_device

FAMILIES = ("device", "engine", "live", "latent", "latent_pad", "analogy", "word2vec", "seq2seq", "app_start",
            "classroom", "controls")  # modules of bench/, in run order
HERE = Path(__file__).resolve().parent
ENVIRONMENT = ("PLAYGROUND_THREADS", "PLAYGROUND_DEVICE")  # the variables that change what is measured


def run_family(name: str, device: torch.device) -> list[Row]:
    start = time.perf_counter()
    try:
        rows = importlib.import_module(f"bench.{name}").measure(device)
    except Exception as error:  # noqa: BLE001 - reported as a row, the other families still run
        traceback.print_exc()
        rows = [Row(f"{name}: FAILED", f"{type(error).__name__}: {error}"[:160])]
    print(f"  {name}: {time.perf_counter() - start:.0f} s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=FAMILIES, default=FAMILIES, help="families to run")
    args = parser.parse_args(argv)
    threads = cap_cpu_threads()
    device = pick_device()
    start, load = time.perf_counter(), os.getloadavg()[0]
    print(f"Benchmarking on {describe(device)} ({os.cpu_count()} cores seen)", flush=True)
    rows: list[Row] = []
    for name in args.only:
        rows += run_family(name, device)
    context = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "device": describe(device),
        "cpu threads (torch)": threads,
        "environment": " ".join(f"{name}={os.environ.get(name, '(unset)')}" for name in ENVIRONMENT),
        "cpu cores seen": os.cpu_count(),
        "load average (1 min) at start, end": f"{load:.1f}, {os.getloadavg()[0]:.1f}",
        "throughput clock": "this process's CPU time" if on_cpu_clock(device) else "wall time",
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "families": " ".join(args.only),
        "run time": f"{time.perf_counter() - start:.0f} s",
    }
    print("\n" + "\n".join(f"{name}: {value}" for name, value in context.items()) + "\n\n" + text_table(rows))
    written = [write_json(rows, context, HERE / "results" / "latest.json")]
    if args.only == FAMILIES:  # the committed table is always a whole run
        written.append(write_markdown(rows, context, HERE / "RESULTS.md"))
    print("\nWritten: " + ", ".join(str(path) for path in written))


if __name__ == "__main__":
    main()
