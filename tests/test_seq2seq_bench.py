"""The seq2seq bench family: its bare loops do exactly the race's work, and it measures both rows."""

import pytest
import torch

from bench import seq2seq
from tests import test_bench as engine_tests

CPU = torch.device("cpu")


@pytest.mark.parametrize("workload", seq2seq.RACE, ids=lambda w: w.name)
def test_bare_loop_does_exactly_the_trainers_work(workload):
    engine_tests.test_bare_loop_does_exactly_the_trainers_work(workload)  # the engine family's proof, on the race


def test_the_family_measures_both_rows():
    rows = seq2seq.measure(CPU, pairs=1, block_seconds=0.01)
    assert [row.figure.split(" (")[1].split(")")[0] for row in rows] == ["engine", "page"]
    assert all(row.ours > 0 and row.reference > 0 for row in rows)
