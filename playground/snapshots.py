"""A run's past within a memory budget: its weights at steps spaced evenly in log(step).

"At step 1,200 the generator jumped to the next mode": to show that moment again, a run keeps
copies of its weights as it trains. Early steps change a model most, so the copies are dense at
the start and sparser later: one is offered at every step, taken when the step has grown by
GROWTH since the last one, and when the budget is full the copy whose neighbours are closest in
log(1 + step) goes, so the survivors stay evenly spread on a log axis however long the run.

A snapshot holds the weights only (no optimiser state): restoring one gives exactly the weights
the run had at that step; resuming from it starts the optimiser afresh (a fork).
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

BUDGET_BYTES = 24 * 2**20  # per trainer: a session with three side-by-side trainers keeps ≤ 72 MB of history
MAX_SNAPSHOTS = 200  # even a tiny model keeps no more (a finer history would not show on a slider)
MIN_SNAPSHOTS = 3  # the start, one in between, the latest: a history even for a model near the budget
GROWTH = 1.05  # a new snapshot once the step has grown 5 % (every step for the first twenty)


@dataclass(frozen=True)
class Snapshot:
    step: int
    weights: dict[str, torch.Tensor]  # CPU copies


class Snapshots:
    """The snapshots of one run, oldest first, within `budget_bytes`."""

    def __init__(self, model: nn.Module, budget_bytes: int = BUDGET_BYTES):
        size = sum(t.numel() * t.element_size() for t in model.state_dict().values())
        self.capacity = max(MIN_SNAPSHOTS, min(MAX_SNAPSHOTS, budget_bytes // max(size, 1)))
        self.taken: list[Snapshot] = []
        self.next_step = 0

    def offer(self, step: int, model: nn.Module) -> None:
        """Keep the model's weights at `step` if the schedule asks for them (cheap when it does not)."""
        if step < self.next_step:
            return
        weights = {name: tensor.detach().to("cpu", copy=True) for name, tensor in model.state_dict().items()}
        self.taken.append(Snapshot(step, weights))
        self.next_step = max(step + 1, math.ceil(step * GROWTH))
        if len(self.taken) > self.capacity:
            del self.taken[self._most_crowded()]

    def _most_crowded(self) -> int:
        """The inner snapshot whose neighbours are closest on a log(1 + step) axis."""
        logs = [math.log1p(snapshot.step) for snapshot in self.taken]
        return min(range(1, len(logs) - 1), key=lambda i: logs[i + 1] - logs[i - 1])

    def at(self, step: int) -> Snapshot:
        """The latest snapshot at or before `step` (the first one for earlier steps)."""
        earlier = [snapshot for snapshot in self.taken if snapshot.step <= step]
        return earlier[-1] if earlier else self.taken[0]

    def forget_after(self, step: int) -> None:
        """Drop the snapshots after `step`: the run forks there."""
        self.taken = [snapshot for snapshot in self.taken if snapshot.step <= step]
        self.next_step = self.taken[-1].step + 1 if self.taken else 0

    @property
    def steps(self) -> list[int]:
        return [snapshot.step for snapshot in self.taken]

    @property
    def bytes(self) -> int:
        return sum(t.numel() * t.element_size() for s in self.taken for t in s.weights.values())
