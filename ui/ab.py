"""A/B runs: two trainers from one seed that differ in one setting, trained in lockstep, drawn on one chart.

Both runs are built by the page's own recipe with the same seed, so they start from the same
weights and see the same batches in the same order (playground.trainer.run_generators); only the
setting the student picked differs. It is one that leaves the architecture alone, so the initial
weights really are the same. Set B's value equal to A's and the two curves coincide to the last bit:
whatever differs afterwards was caused by that setting, not by the dice.

A page offers its settings as `Setting`s and calls `controls` at the top of its result column, with
`switch`, a container at the top of its controls, for the toggle: in view as soon as the section
opens, and no row above the training panel, so the panel's charts stay in view at 1280×720. When
A/B is on, the setting to vary and its two values head the result; the page builds the pair with
`runs` and shows it with `panel` instead of its single run.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from torch import nn

from playground.budgets import Cost, check
from playground.figures import compare_runs
from playground.trainer import Trainer
from ui import widgets
from ui.i18n import N_, _

RUNS = ("A", "B")


@dataclass(frozen=True)
class Setting:
    """One setting an A/B comparison may vary: `name` is its key in the page's settings, `label` (N_) the
    words of the page's control, `symbol` what the legend shows (N_ where it is a word), `values` its choices."""

    name: str
    label: str
    symbol: str
    values: tuple[float | int, ...]

    def shown(self, value: float | int) -> str:
        return f"{value:g}"


@dataclass(frozen=True)
class Comparison:
    """The setting that differs and its value in run A and in run B."""

    setting: Setting
    a: float | int
    b: float | int

    def settings(self, current: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
        """Run A's and run B's settings: the page's current ones, but for the setting compared."""
        return {**current, self.setting.name: self.a}, {**current, self.setting.name: self.b}

    def label(self, run: str) -> str:
        """The run in the legend, e.g. "A: η = 0.003"."""
        value = self.a if run == "A" else self.b
        return _("{run}: {setting} = {value}").format(run=run, setting=_(self.setting.symbol),
                                                      value=self.setting.shown(value))


LEARNING_RATE = Setting("learning_rate", N_("Learning rate η"), "η", widgets.LEARNING_RATES)
BATCH_SIZE = Setting("batch_size", N_("Batch size"), N_("batch size"), widgets.BATCH_SIZES)


def controls(key: str, settings: Sequence[Setting], current: Mapping[str, object],
             switch: DeltaGenerator) -> Comparison | None:
    """The A/B toggle in `switch` and, when it is on, the setting to vary and its values in A and B (both start
    at the page's current value; B one notch above it). None while it is off; the pair then stops playing."""
    on = switch.toggle(_("A/B: train two runs from the same seed that differ in one setting"),
                   help=_("Same initial weights, same batches in the same order: only the setting you pick differs."),
                   **widgets.kept(f"{key}_ab"))
    if not on:
        widgets.pause_other_trainers(f"{key}_ab_", keep=())
        return None
    by_name = {setting.name: setting for setting in settings}
    if st.session_state.get(f"{key}_ab_setting") not in by_name:  # e.g. the noise level of a denoiser switched off
        st.session_state[f"{key}_ab_setting"] = settings[0].name
    choice, *columns = st.columns(3)
    name = choice.selectbox(_("Setting to vary"), tuple(by_name), format_func=lambda option: _(by_name[option].label),
                            **widgets.kept(f"{key}_ab_setting"))
    setting = by_name[name]
    start = setting.values.index(current[name]) if current[name] in setting.values else 0
    defaults = (setting.values[start], setting.values[min(start + 1, len(setting.values) - 1)])
    values = [column.select_slider(_("Run {run}").format(run=run), setting.values, value=default,
                                   format_func=setting.shown, **widgets.kept(f"{key}_ab_{name}_{run.lower()}"))
              for column, run, default in zip(columns, RUNS, defaults)]
    return Comparison(setting, *values)


def runs(key: str, spec: Hashable, build: Callable[[], Trainer], comparison: Comparison,
         current: Mapping[str, object], plan: Callable[[Mapping[str, object]], tuple[Mapping[str, object], Cost]],
         lower: str) -> list[Trainer]:
    """This session's runs A and B, built by `build` (the page's recipe: same seed) and rebuilt together
    whenever `spec` or the comparison changes, so both always start at step 0 from the same weights.

    `plan(settings)` gives a run's `Trainer.configure` changes and the cost of its step. Both runs step at
    every refresh, so their costs together must fit the budget: OverBudget, checked before anything is built.
    """
    planned = [plan(settings) for settings in comparison.settings(current)]
    check(sum((cost for _changes, cost in planned), Cost()), lower)
    trainers = []
    for run, (changes, _cost) in zip(RUNS, planned):
        trainer = widgets.session_trainer(f"{key}_ab_{run.lower()}", (spec, comparison), build)
        trainer.configure(**changes)
        trainers.append(trainer)
    widgets.pause_other_trainers(f"{key}_", keep=trainers)  # only the pair on screen trains
    return trainers


def panel(key: str, comparison: Comparison, trainers: Sequence[Trainer], metrics: Sequence[str], title: str,
          picture: Callable[[nn.Module, str], go.Figure], log_y: bool = False) -> None:
    """The training panel of the pair: both runs' `metrics` (those recorded so far) on one chart, and each run's
    `picture(model, title)`."""
    labels = [comparison.label(run) for run in RUNS]
    st.caption(_("Both runs start from the same weights and draw the same batches in the same order (seed {seed}); "
                 "only {setting} differs. With equal values their curves lie exactly on top of each other.")
               .format(seed=trainers[0].seed, setting=_(comparison.setting.label)))

    def render() -> None:
        histories = {label: trainer.history for label, trainer in zip(labels, trainers)}
        recorded = [name for name in metrics if any(name in history.names for history in histories.values())]
        st.plotly_chart(compare_runs(histories, recorded, log_y=log_y, title=title), key=f"{key}_ab_curves")
        for column, run, label, trainer in zip(st.columns(2), RUNS, labels, trainers):
            column.plotly_chart(picture(trainer.model, label), key=f"{key}_ab_picture_{run.lower()}")

    widgets.training_panel(f"{key}_ab", list(trainers), render)
