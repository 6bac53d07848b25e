"""Rewind: a slider over a run's snapshots redraws a live view as it was at an earlier step.

A trainer keeps copies of its weights at steps spaced evenly in log(step) (playground/snapshots.py).
While training plays, a live view follows the latest step. Once it pauses, a training panel with a history
offers `slider` under its buttons; its `render` asks `moment` which model to draw for each trainer,
and marks the chosen step on its loss curves. "Continue from step k" forks the run there: the weights
of step k, a fresh optimiser, and the history after k dropped.

The past models are copies (`Trainer.model_at`), made once per chosen snapshot and kept for the
reruns that follow (a latent pad then sends their weights to the browser once, not on every rerun)
until the view is back to now. The slider's value is not kept while it is hidden (training plays,
another section is shown): it comes back at now.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st
from torch import nn

from playground.snapshots import BUDGET_BYTES
from playground.trainer import Trainer
from ui.i18n import _, number


@dataclass(frozen=True)
class Moment:
    """What a live view draws: each trainer's model at `step`, or now (`step` None, the live model)."""

    step: int | None
    past: dict[int, nn.Module]  # id(trainer) → its model at `step`; empty for now

    def model(self, trainer: Trainer) -> nn.Module:
        return trainer.model if self.step is None else self.past[id(trainer)]

    def pad_trainer(self, trainer: Trainer) -> Trainer | None:
        """The trainer a latent pad versions its weights by: none for a past model, which never changes."""
        return trainer if self.step is None else None


def steps(trainer: Trainer) -> list[int]:
    """The steps the slider offers: every snapshot before now, then now (the live weights, exact at any step)."""
    return [step for step in trainer.snapshots.steps if step < trainer.step_count] + [trainer.step_count]


def _chosen(key: str, trainers: Sequence[Trainer]) -> int | None:
    """The past step the slider points at, None for now: while playing, or when its value is stale
    (the trainer was reset, rebuilt or forked since)."""
    lead = trainers[0]
    step = st.session_state.get(f"{key}_history")
    if any(t.playing for t in trainers) or step not in steps(lead) or step == lead.step_count:
        return None
    return step


def slider(key: str, trainers: Sequence[Trainer]) -> None:
    """The history slider of a paused panel with a past to show, and the button that forks the run there."""
    lead, widget = trainers[0], f"{key}_history"
    offered = steps(lead)
    if any(t.playing for t in trainers) or len(offered) < 2:
        return
    chosen = st.session_state.get(widget)
    if chosen not in offered or chosen == st.session_state.get(f"{widget}_now"):  # first shown, stale, or at now
        st.session_state[widget] = offered[-1]  # when the run moved on (⏭, train D only): now stays now
    st.session_state[f"{widget}_now"] = offered[-1]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.select_slider(_("History: step"), offered, format_func=lambda step: number(step, 0), key=widget, help=_(
        "Snapshots of the weights, dense at the start and sparser later: this run keeps at most {count} of them, "
        "{megabytes} MB per trainer in this session.").format(count=lead.snapshots.capacity,
                                                                    megabytes=number(BUDGET_BYTES / 2**20, 0)))
    step = _chosen(key, trainers)
    if step is None:
        return
    right.button(_("Continue from step {step}").format(step=number(step, 0)), key=f"{key}_fork", on_click=fork,
                 args=(trainers, step), help=_("Forks the run: training goes on from the weights of step {step} with "
                                               "a fresh optimiser, and everything after that step is dropped.")
                 .format(step=number(step, 0)))
    st.caption(_("The pictures show the model as it was at step {step} of {total}.").format(
        step=number(step, 0), total=number(lead.step_count, 0)))


def fork(trainers: Sequence[Trainer], step: int) -> None:
    """Button callback: every trainer of the panel continues from its weights at `step`."""
    for trainer in trainers:
        trainer.fork(step)


def moment(key: str, trainers: Sequence[Trainer]) -> Moment:
    """The models the live view of panel `key` draws: at the step its slider points at, or now."""
    step = _chosen(key, trainers)
    if step is None:
        st.session_state.pop(f"{key}_history_models", None)  # the copies go as soon as the view is back to now
        return Moment(None, {})
    snapshots = [trainer.snapshots.at(step) for trainer in trainers]
    stamp = [*(t.model for t in trainers), *(s.weights for s in snapshots)]  # held here, so no id is reused
    cached_step, cached, past = st.session_state.get(f"{key}_history_models", (None, [], {}))
    if cached_step != step or len(cached) != len(stamp) or any(a is not b for a, b in zip(cached, stamp)):
        past = {id(trainer): trainer.model_at(step)[1] for trainer in trainers}
        st.session_state[f"{key}_history_models"] = (step, stamp, past)
    return Moment(step, past)
