"""Figures of the RNN page: forecasts, cells compared on one metric, gradient norms, hidden states."""

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from scipy.signal import lfilter

from playground.figures import COLOURS, heatmap, layout, log_axis, marked, thinned
from playground.trainer import History
from playground.wording import N_, _

CELL_COLOURS = {"RNN": COLOURS[3], "LSTM": COLOURS[0], "GRU": COLOURS[2]}  # the same on every chart


def forecast(values: np.ndarray, one_step: np.ndarray, future_truth: np.ndarray, future: np.ndarray,
             title: str = N_("Forecast"), legend_rows: int = 1) -> go.Figure:
    """The window read (T,), the next-value predictions along it (T,), then truth vs roll-out beyond it (F,);
    `legend_rows` as in `layout`."""
    known, ahead = np.arange(len(values)), len(values) + np.arange(len(future))
    traces = [
        {"type": "scatter", "x": known, "y": values, "mode": "lines+markers", "name": _("series (input)"),
         "marker": {"size": 4}, "line": {"color": COLOURS[8]}},
        {"type": "scatter", "x": known + 1, "y": one_step, "mode": "lines", "name": _("one step ahead"),
         "line": {"color": COLOURS[0]}},
        {"type": "scatter", "x": ahead, "y": future_truth, "mode": "lines+markers", "name": _("truth"),
         "marker": {"size": 4}, "line": {"color": COLOURS[7], "dash": "dot"}},
        {"type": "scatter", "x": ahead, "y": future, "mode": "lines", "name": _("autoregressive roll-out"),
         "line": {"color": COLOURS[3], "width": 3}},
    ]
    now = len(values) - 0.5
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step t")}, legend_rows=legend_rows, shapes=[
        {"type": "line", "x0": now, "x1": now, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
         "line": {"dash": "dash", "color": "grey"}}], annotations=[
        {"x": now, "xref": "x", "y": 1, "yref": "y domain", "text": _("now"), "showarrow": False, "xanchor": "left",
         "yanchor": "top"}]))


def smooth(values: Sequence[float], weight: float = 0.9) -> np.ndarray:
    """Exponential moving average, as TensorBoard draws noisy mini-batch curves:
    s_t = w·s_{t−1} + (1 − w)·x_t with s_0 = x_0, as one linear filter (no Python loop)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return values
    return lfilter([1 - weight], [1, -weight], values, zi=[weight * values[0]])[0]


def compare_cells(histories: Mapping[str, History], metric: str, title: str, log_y: bool = False,
                  reference: tuple[str, float] | None = None, marker: int | None = None) -> go.Figure:
    """One metric of several cells: the training batches faint (smoothed), the fixed test batch bold; a
    vertical `marker` at a step (the one a history slider shows)."""
    traces = []
    for cell, history in histories.items():
        colour = cell_colour(cell)
        steps, values = history.series(metric)
        steps, values = thinned(steps, smooth(values))  # smoothed over every step, then thinned for the browser
        traces.append({"type": "scatter", "x": steps, "y": values, "mode": "lines",
                       "name": _("{cell} · train").format(cell=cell), "opacity": 0.5,
                       "line": {"color": colour, "width": 1}})
        steps, values = thinned(*history.series(f"test {metric}"))
        traces.append({"type": "scatter", "x": steps, "y": values, "name": _("{cell} · test").format(cell=cell),
                       "mode": "lines+markers" if len(steps) < 60 else "lines", "line": {"color": colour, "width": 3}})
    if reference is not None:  # a trace, not a shape: hline annotations land at 10^y on log axes
        last = max([1, *(step for history in histories.values() for step in history.series(metric)[0][-1:])])
        traces.append({"type": "scatter", "x": [0, last], "y": [reference[1]] * 2, "mode": "lines",
                       "name": reference[0], "line": {"color": "grey", "dash": "dash"}})
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step")},
                                    yaxis=log_axis({"title": _(metric)}) if log_y else {"title": _(metric)},
                                    **marked(marker)))


def cell_colour(label: str) -> str:
    """The colour of the cell a label starts with ("LSTM · step 40" is an LSTM)."""
    return CELL_COLOURS.get(label.split()[0], COLOURS[4])


def gradient_norms(norms: Mapping[str, np.ndarray], title: str = N_("‖∂ℓ_T / ∂h_t‖ by step")) -> go.Figure:
    """One line per cell, log scale: a straight downward slope towards t = 1 is the vanishing gradient."""
    traces = [{"type": "scatter", "x": np.arange(1, len(values) + 1), "y": values, "mode": "lines+markers",
               "name": label, "marker": {"size": 4}, "line": {"color": cell_colour(label)}}
              for label, values in norms.items()]
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step t")},
                                    yaxis=log_axis({"title": _("gradient norm")})))


def hidden_state_map(states: np.ndarray, ticks: Sequence[str] | None = None,
                     title: str = N_("Hidden state h_t")) -> go.Figure:
    """Units × time (H, T), tanh-range colours centred on 0; `ticks` label the steps (e.g. the characters read)."""
    steps = np.arange(1, states.shape[1] + 1)
    labels = None if ticks is None else {
        "tickvals": steps, "ticktext": [repr(c)[1:-1] if c != " " else "␣" for c in ticks], "tickangle": 0}
    return heatmap(states, x=steps, title=_(title), axis_titles=(_("step t"), _("unit")), zmid=0, zrange=(-1, 1),
                   xaxis=labels)


def sequences_by_class(x: np.ndarray, labels: np.ndarray, names: tuple[str, ...], per_class: int = 2,
                       title: str = N_("Examples")) -> go.Figure:
    """A few sequences (N, T) of every class, coloured by class."""
    traces = [{"type": "scatter", "y": x[row], "mode": "lines", "name": _(name), "legendgroup": name,
               "showlegend": rank == 0, "line": {"color": COLOURS[label % len(COLOURS)]}}
              for label, name in enumerate(names)
              for rank, row in enumerate(np.flatnonzero(labels == label)[:per_class])]
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step t")}))
