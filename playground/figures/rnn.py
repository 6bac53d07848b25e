"""Figures of the RNN page: forecasts, cells compared on one metric, gradient norms, hidden states."""

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from scipy.signal import lfilter

from playground.figures import COLOURS, heatmap, layout, log_axis, thinned
from playground.trainer import History
from playground.wording import N_, _

CELL_COLOURS = {"RNN": COLOURS[3], "LSTM": COLOURS[0], "GRU": COLOURS[2]}  # the same on every chart


def forecast(values: np.ndarray, one_step: np.ndarray, future_truth: np.ndarray, future: np.ndarray,
             title: str = N_("Forecast")) -> go.Figure:
    """The window read (T,), the next-value predictions along it (T,), then truth vs roll-out beyond it (F,)."""
    known, ahead = np.arange(len(values)), len(values) + np.arange(len(future))
    figure = go.Figure([
        go.Scatter(x=known, y=values, mode="lines+markers", name=_("series (input)"), marker_size=4,
                   line=dict(color=COLOURS[8])),
        go.Scatter(x=known + 1, y=one_step, mode="lines", name=_("one step ahead"), line=dict(color=COLOURS[0])),
        go.Scatter(x=ahead, y=future_truth, mode="lines+markers", name=_("truth"), marker_size=4,
                   line=dict(color=COLOURS[7], dash="dot")),
        go.Scatter(x=ahead, y=future, mode="lines", name=_("autoregressive roll-out"),
                   line=dict(color=COLOURS[3], width=3)),
    ])
    figure.add_vline(x=len(values) - 0.5, line_dash="dash", line_color="grey", annotation_text=_("now"))
    figure.update_xaxes(title=_("step t"))
    return layout(figure, _(title))


def smooth(values: Sequence[float], weight: float = 0.9) -> np.ndarray:
    """Exponential moving average, as TensorBoard draws noisy mini-batch curves:
    s_t = w·s_{t−1} + (1 − w)·x_t with s_0 = x_0, as one linear filter (no Python loop)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return values
    return lfilter([1 - weight], [1, -weight], values, zi=[weight * values[0]])[0]


def compare_cells(histories: Mapping[str, History], metric: str, title: str, log_y: bool = False,
                  reference: tuple[str, float] | None = None) -> go.Figure:
    """One metric of several cells: the training batches faint (smoothed), the fixed test batch bold."""
    figure = go.Figure()
    for cell, history in histories.items():
        colour = cell_colour(cell)
        steps, values = history.series(metric)
        steps, values = thinned(steps, smooth(values))  # smoothed over every step, then thinned for the browser
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines", name=_("{cell} · train").format(cell=cell),
                                    opacity=0.5, line=dict(color=colour, width=1)))
        steps, values = thinned(*history.series(f"test {metric}"))
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers" if len(steps) < 60 else "lines",
                                    name=_("{cell} · test").format(cell=cell),
                                    line=dict(color=colour, width=3)))
    if reference is not None:  # a trace, not add_hline: hline annotations land at 10^y on log axes
        last = max([1, *(step for history in histories.values() for step in history.series(metric)[0][-1:])])
        figure.add_trace(go.Scatter(x=[0, last], y=[reference[1]] * 2, mode="lines", name=reference[0],
                                    line=dict(color="grey", dash="dash")))
    axis = dict(title=_(metric))
    figure.update_layout(xaxis=dict(title=_("step")), yaxis=log_axis(axis) if log_y else axis)
    return layout(figure, _(title))


def cell_colour(label: str) -> str:
    """The colour of the cell a label starts with ("LSTM · step 40" is an LSTM)."""
    return CELL_COLOURS.get(label.split()[0], COLOURS[4])


def gradient_norms(norms: Mapping[str, np.ndarray], title: str = N_("‖∂ℓ_T / ∂h_t‖ by step")) -> go.Figure:
    """One line per cell, log scale: a straight downward slope towards t = 1 is the vanishing gradient."""
    figure = go.Figure([
        go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers", name=label, marker_size=4,
                   line=dict(color=cell_colour(label)))
        for label, values in norms.items()])
    figure.update_xaxes(title=_("step t"))
    figure.update_layout(yaxis=log_axis(dict(title=_("gradient norm"))))
    return layout(figure, _(title))


def hidden_state_map(states: np.ndarray, ticks: Sequence[str] | None = None,
                     title: str = N_("Hidden state h_t")) -> go.Figure:
    """Units × time (H, T), tanh-range colours centred on 0; `ticks` label the steps (e.g. the characters read)."""
    steps = np.arange(1, states.shape[1] + 1)
    figure = heatmap(states, x=steps, title=_(title), axis_titles=(_("step t"), _("unit")), zmid=0)
    figure.update_traces(zmin=-1, zmax=1)
    if ticks is not None:
        figure.update_xaxes(tickvals=steps, ticktext=[repr(c)[1:-1] if c != " " else "␣" for c in ticks], tickangle=0)
    return figure


def sequences_by_class(x: np.ndarray, labels: np.ndarray, names: tuple[str, ...], per_class: int = 2,
                       title: str = N_("Examples")) -> go.Figure:
    """A few sequences (N, T) of every class, coloured by class."""
    figure = go.Figure()
    for label, name in enumerate(names):
        for rank, row in enumerate(np.flatnonzero(labels == label)[:per_class]):
            figure.add_trace(go.Scatter(y=x[row], mode="lines", name=_(name), legendgroup=name, showlegend=rank == 0,
                                        line=dict(color=COLOURS[label % len(COLOURS)])))
    figure.update_xaxes(title=_("step t"))
    return layout(figure, _(title))
