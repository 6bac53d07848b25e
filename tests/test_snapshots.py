"""A run's past: exact weights at snapshot steps, dense early, bounded memory, forks."""

import torch
from torch import nn

from playground.data import split
from playground.models.vae import VAEConfig
from playground.snapshots import MAX_SNAPSHOTS, Snapshots
from playground.trainer import TrainConfig
from playground.vae_lessons import make_trainer


def tiny_vae_trainer():
    config = VAEConfig(image_size=8, latent_dim=2, hidden=16)
    return make_trainer(config, split("Digits 8×8", 0), TrainConfig(batch_size=16, eval_every=10), 0, "cpu")


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def test_a_snapshot_restores_exactly_the_weights_the_run_had_at_that_step():
    trainer = tiny_vae_trainer()
    seen = {0: weights(trainer.model)}
    for _ in range(60):
        trainer.step(1)
        seen[trainer.step_count] = weights(trainer.model)
    assert trainer.snapshots.steps[:21] == list(range(21))  # every step at the start
    for step in trainer.snapshots.steps:
        shown_step, past = trainer.model_at(step)
        assert shown_step == step
        assert all(torch.equal(past.state_dict()[name], seen[step][name]) for name in seen[step])


def test_memory_stays_within_the_budget_after_100000_steps_and_stays_spread_on_a_log_axis():
    large, tiny = nn.Linear(500, 500), nn.Linear(4, 4)  # about 1 MB of weights; 80 bytes
    crowded, roomy = Snapshots(large, budget_bytes=3 * 2**20), Snapshots(tiny)
    for step in range(100_001):
        crowded.offer(step, large)
        roomy.offer(step, tiny)
    assert len(crowded.taken) == 3 and crowded.bytes <= 3 * 2**20
    assert crowded.steps[0] == 0 and crowded.steps[-1] > 90_000
    assert 150 <= len(roomy.taken) <= MAX_SNAPSHOTS and roomy.steps[:21] == list(range(21))
    later = [step for step in roomy.steps if step >= 100]
    assert all(b / a <= 1.06 for a, b in zip(later, later[1:]))  # every 5 %: no hole anywhere in the run
    assert roomy.steps[-1] > 95_000


def test_forking_from_a_past_step_continues_from_its_weights_and_drops_the_later_history():
    trainer = tiny_vae_trainer()
    trainer.step(40)
    step, past = trainer.model_at(30)
    trainer.fork(30)
    assert trainer.step_count == step and max(trainer.history.series("total")[0]) <= step
    assert all(torch.equal(trainer.model.state_dict()[k], v) for k, v in past.state_dict().items())
    assert max(trainer.snapshots.steps) <= step
    trainer.step(5)
    assert trainer.step_count == step + 5 and trainer.diverged is None
