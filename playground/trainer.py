"""One training engine for every page: bounded slices of steps over any model.

A model takes part by offering `loss(batch, generator) -> (loss, metrics)`; a game such as
a GAN offers `players()`, one `Player` per optimised party, updated in turn. The trainer
owns the optimisers, the batch stream, the metric history, NaN detection, play/pause and
every mid-run change (`configure`). It never blocks: `step(n)` and `run_for(seconds)`
return quickly, so a UI can redraw between slices; `play(steps=n)` spreads n steps over
as many slices as they need. A `budget` (playground.budgets) is checked before the model
is built and before every change, so a request over budget never allocates anything.

It also owns every random number of its run, in three `torch.Generator`s drawn from its
seed: the initial weights, the order of the batches, and the noise inside the loss
(ε of a VAE, a GAN's z, a denoising AE's corruption). Nothing touches torch's
process-wide generator, so many trainers in one server process never disturb each other,
and `reset()` replays the first run exactly.
"""

import copy
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import torch
from torch import nn

from playground.data import Batch, BatchSource
from playground.inference import evaluating
from playground.seeding import Builder
from playground.snapshots import Snapshots

Metrics = dict[str, torch.Tensor | float]
OPTIMIZERS = ("adam", "sgd", "rmsprop")


@dataclass(frozen=True)
class Player:
    """One optimised party: the parameters it owns and the loss it minimises."""

    name: str
    parameters: Callable[[], Iterable[nn.Parameter]]
    loss: Callable[[Batch, torch.Generator], tuple[torch.Tensor, Metrics]]


@dataclass(frozen=True)
class TrainConfig:
    learning_rate: float = 1e-3  # for every player without its own entry below
    batch_size: int = 128  # samples per update
    optimizer: str = "adam"  # one of OPTIMIZERS
    adam_betas: tuple[float, float] = (0.9, 0.999)  # GANs like (0.5, 0.999)
    player_learning_rates: tuple[tuple[str, float], ...] = ()  # e.g. (("generator", 2e-4),)
    player_updates: tuple[tuple[str, int], ...] = ()  # updates per step, e.g. (("discriminator", 5),)
    grad_clip: float | None = None  # max global gradient norm, None for no clipping
    eval_every: int = 50  # steps between calls of the evaluate callback

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if not self.learning_rate > 0 or any(not lr > 0 for _, lr in self.player_learning_rates):
            raise ValueError("learning rates must be positive")
        if self.batch_size < 1 or self.eval_every < 1 or any(k < 1 for _, k in self.player_updates):
            raise ValueError("batch_size, eval_every and player updates must be at least 1")

    def learning_rate_of(self, player: str) -> float:
        return dict(self.player_learning_rates).get(player, self.learning_rate)

    def updates_of(self, player: str) -> int:
        return dict(self.player_updates).get(player, 1)


@dataclass(frozen=True)
class Divergence:
    """Why a run stopped: `metric` became `value` (NaN or ±inf) at `step`; usually a too-large learning rate."""

    metric: str
    value: float
    step: int


@dataclass
class History:
    """Metric values by name, each with the step it was recorded at."""

    steps: dict[str, list[int]] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: int, metrics: dict[str, float]) -> None:
        for name, value in metrics.items():
            self.steps.setdefault(name, []).append(step)
            self.values.setdefault(name, []).append(value)

    def truncate(self, step: int) -> None:
        """Forget every value recorded after `step`."""
        for name in self.names:
            keep = sum(1 for s in self.steps[name] if s <= step)
            del self.steps[name][keep:], self.values[name][keep:]

    def series(self, name: str) -> tuple[list[int], list[float]]:
        return self.steps.get(name, []), self.values.get(name, [])

    def last(self, name: str, default: float = math.nan) -> float:
        return self.values[name][-1] if self.values.get(name) else default

    @property
    def names(self) -> list[str]:
        return list(self.values)


def run_generators(seed: int, device: torch.device | str = "cpu") -> tuple[torch.Generator, ...]:
    """A run's three independent generators, all from one seed: initial weights and batch order
    (on the CPU), and the noise inside the loss (on the training device, where it is drawn)."""
    seeds = torch.randint(2**62, (3,), generator=torch.Generator().manual_seed(seed)).tolist()
    return (torch.Generator().manual_seed(seeds[0]), torch.Generator().manual_seed(seeds[1]),
            torch.Generator(device=device).manual_seed(seeds[2]))


def players_of(model: nn.Module) -> list[Player]:
    """The model's own players, or one player owning every parameter and `model.loss`."""
    if hasattr(model, "players"):
        return list(model.players())
    return [Player("model", model.parameters, model.loss)]


class Trainer:
    """Trains the model `build_model(generator)` returns on batches from `data`, a slice at a time.

    `build_model` is usually `playground.seeding.seeded(Model, config)`. `evaluate(model) -> dict`
    (optional) runs every `eval_every` steps under no_grad; its values join the history (e.g.
    test loss). `initial_weights` (e.g. a pretrained model's state dict) replace the seeded
    weights; `reset()` returns to whichever start the trainer has, named by `start_name`.
    `budget(config, live_settings)` (optional) raises playground.budgets.OverBudget when a step with
    these settings would cost too much; it runs before the model is built and before every change.
    """

    def __init__(
        self,
        build_model: Builder,
        data: BatchSource,
        config: TrainConfig = TrainConfig(),
        *,
        evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
        seed: int = 0,
        device: torch.device | str = "cpu",
        initial_weights: dict[str, torch.Tensor] | None = None,
        start_name: str = "random",
        budget: Callable[[TrainConfig, dict[str, object]], None] = lambda config, live_settings: None,
    ):
        budget(config, {})
        self.build_model, self.data, self.config, self.budget = build_model, data, config, budget
        self.evaluate, self.seed, self.device = evaluate, seed, torch.device(device)
        self.live_settings: dict[str, object] = {}  # model settings changed mid-run; they survive a reset
        self.start_from(initial_weights, start_name)

    # ---- lifecycle -------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the start: the same weights, batch order and noise as the first run; paused."""
        weights, self.data_order, self.noise = run_generators(self.seed, self.device)
        self.model = self.build_model(weights)
        if self.initial_weights is not None:
            self.model.load_state_dict(self.initial_weights)
        self.model.to(self.device).train()
        self._apply_live_settings()
        self.data.restart()
        self._build_optimizers()
        self.history = History()
        self.step_count = 0
        self.playing = False
        self.steps_left: int | None = None  # while playing: steps until it pauses itself (⏭), None: until paused
        self.diverged: Divergence | None = None
        self.steps_per_second = 0.0
        self.snapshots = Snapshots(self.model)
        self.snapshots.offer(0, self.model)
        live = {name: getattr(self.model.config, name) for name in getattr(self.model, "live_settings", ())}
        self.started_with = {**vars(self.config), **live}  # what `replay` starts from, whatever a script builds
        self.replay: list[tuple[int, dict]] = []  # (step, what happened): mid-run changes, one-player steps
        self.forked_at: int | None = None
        self._record_evaluation()

    def start_from(self, weights: dict[str, torch.Tensor] | None, name: str = "random") -> None:
        """Make `weights` (None: the seed's random ones) the start of this run and of every reset."""
        self.initial_weights = None if weights is None else {k: v.detach().clone() for k, v in weights.items()}
        self.start_name = name
        self.reset()

    def play(self, steps: int | None = None) -> None:
        """Train a slice at every refresh until paused or, with `steps`, until that many more steps are done."""
        if self.diverged is None:
            self.playing, self.steps_left = True, steps

    def pause(self) -> None:
        self.playing, self.steps_left = False, None

    def configure(self, **changes) -> None:
        """Change hyperparameters mid-run; the model's weights and the optimiser state are kept.

        A name is either a field of TrainConfig (learning rates, batch size, optimiser, k) or a
        setting the model lists in its `live_settings` (β of a VAE, the AE's regulariser weights);
        anything else would need a new model and raises ValueError.
        """
        train_fields = set(vars(self.config))
        model_changes = {k: v for k, v in changes.items() if k not in train_fields}
        fixed = set(model_changes) - set(getattr(self.model, "live_settings", ()))
        if fixed:
            raise ValueError(f"{sorted(fixed)} cannot change mid-run; build a new trainer for them")
        new = replace(self.config, **{k: v for k, v in changes.items() if k in train_fields})
        changed = any(self.live_settings.get(k, getattr(self.model.config, k)) != v for k, v in model_changes.items())
        if new == self.config and not changed:
            return
        self.budget(new, {**self.live_settings, **model_changes})
        if changed:
            self.live_settings.update(model_changes)
            self._apply_live_settings()
            self.replay.append((self.step_count, {"configure": model_changes}))
        if new == self.config:
            return
        self.replay.append((self.step_count, {"configure": {k: v for k, v in vars(new).items()
                                                            if v != getattr(self.config, k)}}))
        rebuild = new.optimizer != self.config.optimizer or new.adam_betas != self.config.adam_betas
        self.config = new
        if rebuild:
            self._build_optimizers()
        for player in self.players:
            for group in self.optimizers[player.name].param_groups:
                group["lr"] = new.learning_rate_of(player.name)

    # ---- the run's past ----------------------------------------------------------------
    def model_at(self, step: int) -> tuple[int, nn.Module]:
        """A copy of the model as it was at the snapshot nearest before `step`, and that snapshot's step."""
        snapshot = self.snapshots.at(step)
        past = copy.deepcopy(self.model)
        past.load_state_dict(snapshot.weights)
        return snapshot.step, past.eval()

    def fork(self, step: int) -> None:
        """Go back to the snapshot at or before `step` and continue from there (a fresh optimiser state).

        The metric history after that step is dropped: what follows is a new branch of the run.
        """
        snapshot = self.snapshots.at(step)
        self.model.load_state_dict(snapshot.weights)
        self.snapshots.forget_after(snapshot.step)
        self.history.truncate(snapshot.step)
        self.step_count, self.diverged = snapshot.step, None
        self.pause()
        self.forked_at = snapshot.step  # no replay from the seed reaches this run: its optimiser began anew here
        self._build_optimizers()

    # ---- training --------------------------------------------------------------------
    def step(self, n: int = 1, only: str | None = None) -> int:
        """Run n steps (only one player's updates if `only` names it); returns steps done."""
        if only is not None:
            self.replay.append((self.step_count, {"only": only, "steps": n}))
        return self._advance(max_steps=n, seconds=math.inf, only=only)

    def run_for(self, seconds: float, max_steps: int | None = None,
                clock: Callable[[], float] = time.perf_counter) -> int:
        """Train for about `seconds` on `clock` (at least one step); returns steps done.

        The default clock is wall time; `time.thread_time` counts only this thread's CPU, so a
        slice on a busy server does the same work however many other threads share the cores.
        """
        return self._advance(max_steps=max_steps, seconds=seconds, only=None, clock=clock)

    def _advance(self, max_steps: int | None, seconds: float, only: str | None,
                 clock: Callable[[], float] = time.perf_counter) -> int:
        if self.diverged is not None:
            return 0
        if self.steps_left is not None:
            max_steps = self.steps_left if max_steps is None else min(max_steps, self.steps_left)
        start, done, rows = clock(), 0, []
        while self.diverged is None and (max_steps is None or done < max_steps):
            if done and clock() - start >= seconds:
                break
            rows.append(self._one_step(only))
            done += 1
            self.step_count += 1
            self.snapshots.offer(self.step_count, self.model)
            if self.step_count % self.config.eval_every == 0:
                self._flush(rows)
                rows = []
                self._record_evaluation()
        self._flush(rows)
        self._note_speed(done, clock() - start)
        if self.steps_left is not None:
            self.steps_left -= done
            if self.steps_left <= 0:
                self.pause()
        return done

    def _one_step(self, only: str | None) -> dict[str, torch.Tensor]:
        """Every player (or just `only`) takes its updates in turn; returns detached metrics."""
        metrics: dict[str, torch.Tensor] = {}
        for player in self.players:
            if only is not None and player.name != only:
                continue
            optimizer = self.optimizers[player.name]
            for _ in range(self.config.updates_of(player.name)):
                loss, values = player.loss(self.data.sample(self.config.batch_size, self.data_order), self.noise)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.config.grad_clip is not None:
                    nn.utils.clip_grad_norm_(self._parameters[player.name], self.config.grad_clip)
                optimizer.step()
            metrics.update({k: _detached(v) for k, v in values.items()})
        return metrics

    # ---- bookkeeping -----------------------------------------------------------------
    def _apply_live_settings(self) -> None:
        """The model's config with this run's mid-run settings (a frozen dataclass, replaced whole)."""
        if self.live_settings:
            self.model.config = replace(self.model.config, **self.live_settings)

    def _build_optimizers(self) -> None:
        self.players = players_of(self.model)
        self._parameters = {p.name: [q for q in p.parameters() if q.requires_grad] for p in self.players}
        self.optimizers = {
            name: _make_optimizer(self.config, params, self.config.learning_rate_of(name))
            for name, params in self._parameters.items()
        }

    def _flush(self, rows: Sequence[dict[str, torch.Tensor]]) -> None:
        """Copy a slice's metrics to the history in one device sync; stop on NaN/inf."""
        if not rows:
            return
        first_step = self.step_count - len(rows) + 1
        names = sorted({name for row in rows for name in row})
        for name in names:
            steps = [first_step + i for i, row in enumerate(rows) if name in row]
            values = torch.stack([row[name] for row in rows if name in row]).float().cpu().tolist()
            self.history.steps.setdefault(name, []).extend(steps)
            self.history.values.setdefault(name, []).extend(values)
            bad = next(((s, v) for s, v in zip(steps, values) if not math.isfinite(v)), None)
            if bad is not None:
                self._stop(Divergence(name, bad[1], bad[0]))

    def _record_evaluation(self) -> None:
        if self.evaluate is None:
            return
        with evaluating(self.model):
            values = self.evaluate(self.model)
        self.history.add(self.step_count, values)
        bad = next(((k, v) for k, v in values.items() if not math.isfinite(v)), None)
        if bad is not None:
            self._stop(Divergence(bad[0], bad[1], self.step_count))

    def _stop(self, divergence: "Divergence") -> None:
        """The first non-finite value ends the run (paused) until a reset; later ones add nothing."""
        if self.diverged is None:
            self.diverged = divergence
            self.pause()

    def _note_speed(self, steps: int, seconds: float) -> None:
        if steps and seconds > 0:
            self.steps_per_second = steps / seconds


def _detached(value: torch.Tensor | float) -> torch.Tensor:
    return value.detach() if isinstance(value, torch.Tensor) else torch.tensor(float(value))


def _make_optimizer(config: TrainConfig, params: list[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=config.adam_betas)
