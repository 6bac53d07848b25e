"""Figures of the seq2seq page: the race of attention against no attention, and the attention matrix."""

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from playground.figures import COLOURS, RIGHT_SCALE_MARGIN, axis, layout, marked, thinned
from playground.figures.rnn import smooth
from playground.trainer import History
from playground.wording import N_, _

CONTENDER_COLOURS = {"attention": COLOURS[0], "no attention": COLOURS[3], "transformer": COLOURS[2]}  # everywhere
END_SYMBOL = N_("⟨end⟩")


def contender_colour(name: str) -> str:
    return CONTENDER_COLOURS.get(name, COLOURS[4])


def race(histories: Mapping[str, History], title: str = N_("Race: loss (left) and test exact match (right)"),
         marker: int | None = None) -> go.Figure:
    """Each contender's training loss (smoothed, log scale, left axis) and greedy exact match on the
    held-out test set (right axis, 0–1) against the step, on one chart so the two can be read together;
    a vertical `marker` at a step (the one a history slider shows). Its legend takes a row per curve: the chart
    is a column of the page, too narrow for two of these names side by side."""
    traces = []
    for name, history in histories.items():
        colour = contender_colour(name)
        steps, values = thinned(*history.series("loss"))
        traces.append({"type": "scatter", "x": steps, "y": smooth(values), "mode": "lines",
                       "name": _("{contender} · loss").format(contender=_(name)), "opacity": 0.6,
                       "line": {"color": colour, "width": 1, "dash": "dot"}})
        steps, values = history.series("test exact match")
        traces.append({"type": "scatter", "x": steps, "y": values, "yaxis": "y2",
                       "name": _("{contender} · exact match").format(contender=_(name)),
                       "mode": "lines+markers" if len(steps) < 60 else "lines", "line": {"color": colour, "width": 3}})
    exact_match = axis(_("test exact match"), overlaying="y", side="right", range=[0, 1.02], tickformat=".0%",
                       showgrid=False)
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step")},
                                    yaxis={"title": _("loss (−log p per character)"), "type": "log"},
                                    yaxis2=exact_match, legend_rows=len(traces), **marked(marker)))


def tick_labels(characters: Sequence[str]) -> list[str]:
    """Characters as axis labels: a space shown as ␣."""
    return [char if char != " " else "␣" for char in characters]


def attention_map(weights: np.ndarray, source: str, output: str, title: str = N_("Attention α")) -> go.Figure:
    """α (T, S): one row per written character (the end symbol last), one column per source character.

    Row t is the distribution the decoder read the source with while writing character t.
    """
    rows = tick_labels(list(output)) + [_(END_SYMBOL)]
    weights = np.asarray(weights)[: len(rows)]
    columns, rows_at = np.arange(weights.shape[1]), np.arange(len(weights))
    writing = _("writing {row}, reading {char}")
    pairs = [[writing.format(row=row, char=char) for char in tick_labels(source)] for row in rows[: len(weights)]]
    heatmap = {"type": "heatmap", "z": weights, "x": columns, "y": rows_at, "colorscale": "Blues", "zmin": 0,
               "zmax": 1, "colorbar": {"title": {"text": "α"}}, "text": pairs,
               "hovertemplate": "%{text}: α = %{z:.2f}<extra></extra>"}
    return go.Figure([heatmap], layout(
        _(title), height=max(260, 30 * len(weights) + 120), margin=RIGHT_SCALE_MARGIN,
        xaxis={"title": _("source (read)"), "tickvals": columns, "ticktext": tick_labels(source), "tickangle": 0},
        yaxis={"title": _("output (written)"), "tickvals": rows_at, "ticktext": rows[: len(weights)],
               "autorange": "reversed"}))
