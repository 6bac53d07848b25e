"""The one trainer: learning, slices, pause/resume, mid-run changes, NaN detection, games, same seed ⇒ same run."""

import math
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from playground.data import ShuffledBatches, split
from playground.models.vae import VAEConfig
from playground.seeding import seeded
from playground.trainer import Player, TrainConfig, Trainer
from playground.vae_lessons import make_trainer as make_vae_trainer


@dataclass(frozen=True)
class LineConfig:
    jitter: float = 0.0  # standard deviation of the noise added to the inputs


class Line(nn.Module):
    """y = w·x + b fitted by least squares on inputs jittered by noise: the smallest model with a random loss."""

    live_settings = ("jitter",)

    def __init__(self, config: LineConfig = LineConfig()):
        super().__init__()
        self.config = config
        self.fit = nn.Linear(1, 1)

    def loss(self, batch, generator):
        x, y = batch
        x = x + self.config.jitter * torch.randn(x.shape, generator=generator)
        loss = ((self.fit(x) - y) ** 2).mean()
        return loss, {"loss": loss}


def line_data() -> ShuffledBatches:
    x = torch.linspace(-1, 1, 256).unsqueeze(1)
    return ShuffledBatches(x, 3 * x - 1)


def make_trainer(seed: int = 1, jitter: float = 0.0, **config) -> Trainer:
    return Trainer(seeded(Line, LineConfig(jitter)), line_data(), TrainConfig(**{"learning_rate": 0.05, "batch_size": 32, **config}),
                   seed=seed)


def test_loss_falls_on_a_tiny_problem():
    trainer = make_trainer()
    trainer.step(200)
    steps, losses = trainer.history.series("loss")
    assert steps == list(range(1, 201))
    assert losses[-1] < 0.01 * losses[0]


def test_run_for_is_bounded_and_does_at_least_one_step():
    trainer = make_trainer()
    assert trainer.run_for(0.0) == 1
    assert trainer.run_for(10.0, max_steps=5) == 5
    assert trainer.step_count == 6 and trainer.steps_per_second > 0


def test_pause_resume_keeps_state_and_matches_an_uninterrupted_run():
    straight, interrupted = make_trainer(), make_trainer()
    straight.step(30)
    interrupted.play()
    interrupted.step(10)
    interrupted.pause()
    assert not interrupted.playing
    interrupted.play()
    interrupted.step(20)
    assert interrupted.step_count == 30
    assert torch.equal(straight.model.fit.weight, interrupted.model.fit.weight)


def test_reset_rebuilds_the_same_initial_model_and_clears_history():
    trainer = make_trainer()
    initial = trainer.model.fit.weight.detach().clone()
    trainer.step(20)
    trainer.reset()
    assert trainer.step_count == 0 and trainer.history.names == []
    assert torch.equal(trainer.model.fit.weight, initial)


def test_learning_rate_change_takes_effect_mid_run_without_losing_progress():
    trainer = make_trainer()
    trainer.step(10)
    weight = trainer.model.fit.weight.detach().clone()
    trainer.configure(learning_rate=1e-3, batch_size=8)
    assert trainer.optimizers["model"].param_groups[0]["lr"] == 1e-3
    assert torch.equal(trainer.model.fit.weight, weight) and trainer.step_count == 10
    sizes = []
    sample = trainer.data.sample
    trainer.data.sample = lambda size, generator: sizes.append(size) or sample(size, generator)
    trainer.step(2)
    assert sizes == [8, 8]


def test_zero_learning_rate_is_rejected_with_a_message():
    with pytest.raises(ValueError, match="positive"):
        TrainConfig(learning_rate=0)


def test_divergence_is_caught_pauses_and_reset_recovers():
    trainer = make_trainer(learning_rate=10.0, optimizer="sgd")
    trainer.play()
    trainer.step(100)
    assert trainer.diverged.metric == "loss" and not math.isfinite(trainer.diverged.value)
    assert 1 <= trainer.diverged.step <= trainer.step_count  # found at the next sync (end of slice or evaluation)
    assert not trainer.playing
    assert trainer.step(5) == 0  # refuses to go on
    trainer.configure(learning_rate=0.05)
    trainer.reset()
    trainer.step(50)
    assert trainer.diverged is None and math.isfinite(trainer.history.last("loss"))


def test_evaluation_joins_the_history_every_eval_every_steps():
    data = line_data()
    trainer = Trainer(seeded(Line, LineConfig()), data, TrainConfig(learning_rate=0.05, eval_every=10),
                      evaluate=lambda model: {"test_loss": model.loss(data.tensors, None)[0].item()})
    trainer.step(30)
    steps, values = trainer.history.series("test_loss")
    assert steps == [0, 10, 20, 30] and values[-1] < values[0]


class Game(nn.Module):
    """Two players pulling one number each: 'a' wants a = 1, 'b' wants b = −1."""

    def __init__(self, config=None):
        super().__init__()
        self.config = config
        self.a, self.b = nn.Parameter(torch.zeros(())), nn.Parameter(torch.zeros(()))

    def players(self):
        return [Player("a", lambda: [self.a], lambda batch, generator: ((self.a - 1) ** 2, {"a": self.a})),
                Player("b", lambda: [self.b], lambda batch, generator: ((self.b + 1) ** 2, {"b": self.b}))]


def test_players_update_in_turn_with_their_own_rates_and_counts():
    config = TrainConfig(optimizer="sgd", learning_rate=0.01, player_learning_rates=(("b", 0.02),),
                         player_updates=(("a", 3),))
    trainer = Trainer(lambda generator: Game(), line_data(), config)
    trainer.step(1)
    assert trainer.optimizers["b"].param_groups[0]["lr"] == 0.02
    assert trainer.model.a.item() > 0 and trainer.model.b.item() < 0
    trainer.step(1, only="b")
    assert trainer.history.series("a")[0] == [1] and trainer.history.series("b")[0] == [1, 2]


# ---- same seed ⇒ same run, for every student of one server --------------------------------------

def weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in trainer.model.state_dict().items()}


def assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


def tiny_vae_trainer(seed: int) -> Trainer:
    """A real model whose loss draws noise (ε) and whose batches are shuffled: every generator in play."""
    config = VAEConfig(image_size=8, latent_dim=2, hidden=16)
    return make_vae_trainer(config, split("Digits 8×8", 0), TrainConfig(batch_size=16, eval_every=5), seed, "cpu")


def test_two_trainers_stepped_alternately_match_one_alone():
    alone = tiny_vae_trainer(seed=3)
    alone.step(12)
    first, second = tiny_vae_trainer(seed=3), tiny_vae_trainer(seed=4)
    for _ in range(4):  # two students of one server process, taking turns
        first.step(3)
        torch.randn(100)  # and anything else in the process drawing from torch's global generator
        second.step(3)
    assert_same(weights(alone), weights(first))
    assert not torch.equal(weights(first)["to_mu.weight"], weights(second)["to_mu.weight"])


def test_a_reset_run_repeats_the_first_one_exactly():
    trainer = tiny_vae_trainer(seed=5)
    trainer.step(7)
    first_run, first_losses = weights(trainer), list(trainer.history.series("total")[1])
    trainer.step(5)
    trainer.reset()
    trainer.step(7)
    assert_same(first_run, weights(trainer))
    assert trainer.history.series("total")[1] == first_losses


def test_an_ab_pair_from_one_seed_differs_only_where_its_setting_does():
    """The A/B comparison (ui/ab.py): equal settings give bit-identical runs; another learning rate
    starts from the same weights and the same batches, and only then goes its own way."""
    a, b = tiny_vae_trainer(seed=6), tiny_vae_trainer(seed=6)
    for trainer in (a, b):
        trainer.configure(learning_rate=3e-3)
    a.step(6)
    b.step(6)
    assert a.history.values == b.history.values and a.history.steps == b.history.steps
    assert_same(weights(a), weights(b))
    faster = tiny_vae_trainer(seed=6)
    faster.configure(learning_rate=3e-2)
    a.reset()
    assert_same(weights(a), weights(faster))  # the same start
    assert torch.equal(a.data.sample(16, a.data_order)[0], faster.data.sample(16, faster.data_order)[0])  # same batch
    a.reset()
    faster.reset()
    a.step(6)
    faster.step(6)
    assert a.history.series("total")[1][0] == faster.history.series("total")[1][0]  # the first loss, before any update
    assert a.history.series("total")[1][1:] != faster.history.series("total")[1][1:]


def test_building_and_training_never_touch_torchs_global_generator():
    before = torch.get_rng_state()
    trainer = tiny_vae_trainer(seed=0)
    trainer.step(5)
    trainer.reset()
    assert torch.equal(torch.get_rng_state(), before)


def test_model_settings_change_mid_run_through_configure_and_survive_reset():
    trainer = make_trainer(jitter=0.0)
    trainer.step(3)
    trainer.configure(jitter=0.5, learning_rate=0.01)
    assert trainer.model.config.jitter == 0.5 and trainer.step_count == 3
    trainer.reset()
    assert trainer.model.config.jitter == 0.5
    with pytest.raises(ValueError, match="cannot change mid-run"):
        trainer.configure(hidden_sizes=(4,))


def test_start_from_weights_makes_reset_return_to_them():
    trainer = make_trainer()
    start = {name: torch.full_like(tensor, 0.25) for name, tensor in trainer.model.state_dict().items()}
    trainer.start_from(start, "uploaded")
    trainer.step(10)
    trainer.reset()
    assert trainer.start_name == "uploaded" and trainer.step_count == 0
    assert_same(weights(trainer), start)


def test_play_with_steps_spreads_them_over_slices_then_pauses_itself():
    trainer = make_trainer()
    trainer.play(steps=25)
    assert trainer.run_for(10.0, max_steps=10) == 10 and trainer.playing  # a slice, and more to come
    assert trainer.run_for(10.0) == 15 and not trainer.playing and trainer.step_count == 25
    trainer.play(steps=5)
    trainer.pause()
    assert trainer.run_for(10.0, max_steps=3) == 3 and trainer.steps_left is None  # paused: a plain slice again


def test_a_budget_refuses_before_the_model_is_built_and_before_any_change():
    from playground.budgets import OverBudget

    def budget(config: TrainConfig, live_settings: dict) -> None:
        if config.batch_size > 64 or live_settings.get("jitter", 0) > 1:
            raise OverBudget("too much: lower the batch size")

    built = []
    with pytest.raises(OverBudget):
        Trainer(lambda generator: built.append(1), line_data(), TrainConfig(batch_size=128), budget=budget)
    assert not built, "the model was built before the budget was checked"
    trainer = Trainer(seeded(Line, LineConfig()), line_data(), TrainConfig(batch_size=32), budget=budget)
    with pytest.raises(OverBudget):
        trainer.configure(batch_size=128, learning_rate=0.1)
    with pytest.raises(OverBudget):
        trainer.configure(jitter=2.0)
    assert trainer.config.batch_size == 32 and trainer.config.learning_rate == 1e-3 and trainer.model.config.jitter == 0
    trainer.configure(batch_size=64, jitter=0.5)
    assert trainer.config.batch_size == 64 and trainer.model.config.jitter == 0.5
