"""The benchmark's own machinery: its table, and bare loops that really do the trainer's work."""

import dataclasses
import json

import pytest
import torch

from bench.table import Goal, Row, as_json, text_table, write_json, write_markdown
from bench.timing import interleaved
from bench.workloads import WORKLOADS, images
from playground.data import ShuffledBatches

CPU = torch.device("cpu")


def add_up(count: int) -> int:
    return sum(range(count)) and count


def test_table_holds_one_tiny_measurement(tmp_path):
    comparison = interleaved(lambda: add_up(1000), lambda: add_up(2000), pairs=3, device=CPU)
    row = Row("tiny sum", comparison.ours_median, "adds/s", comparison.reference_median, "longer sum",
              comparison.ratio, Goal("≥", 0.0), note="a smoke test")
    printed = text_table([row, Row("device", "CPU")])
    assert "tiny sum [1]" in printed and "[1] a smoke test" in printed and "yes" in printed
    record = json.loads(as_json([row], {"device": "CPU"}))["rows"][0]
    assert record["ratio"] == pytest.approx(comparison.ratio) and record["met"] is True
    written = write_json([row], {"device": "CPU"}, tmp_path / "results" / "latest.json")
    assert json.loads(written.read_text())["context"] == {"device": "CPU"}
    assert "| tiny sum [1] |" in write_markdown([row], {"device": "CPU"}, tmp_path / "RESULTS.md").read_text()


def test_a_missed_goal_reads_no():
    assert Row("slow", 30.0, "ms", goal=Goal("<", 20, on="ours")).cells()[-1] == "NO"


def random_digits(device: torch.device) -> ShuffledBatches:
    """Stands in for MNIST (slow to read): the loops only need the same stream of 28×28 images."""
    return ShuffledBatches(torch.rand(256, 1, 28, 28, generator=torch.Generator().manual_seed(0)), device=device)


@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda w: w.name)
def test_bare_loop_does_exactly_the_trainers_work(workload):
    if workload.data is images:
        workload = dataclasses.replace(workload, data=random_digits)
    trainer = workload.trainer(CPU)
    trainer.step(2)
    model, bare = workload.bare(CPU)
    bare(2)
    for ours, theirs in zip(trainer.model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
