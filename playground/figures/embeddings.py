"""Figures of the embeddings page: word maps with arrows between pairs, maps of uploaded vectors, answer
scores, benchmarks."""

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.figures import COLOURS, WEBGL_POINTS, layout, points_type
from playground.wording import N_, _

FIRST_COLOUR, SECOND_COLOUR, ARROW_COLOUR = COLOURS[0], COLOURS[3], COLOURS[8]
NAMED_POINTS = 100  # a map of more points names them on hover only: their labels would cover each other
BAR_HEIGHT = 26  # px per answer: ten answers and the answer above them fit a 1280×720 screen
MAP_HEIGHT = 400  # a map at the top of a section fits a 1280×720 screen under the page's title and section picker


def word_map(points: np.ndarray, pairs: Sequence[tuple[str, str]], title: str = "") -> go.Figure:
    """Projected pairs (2-D or 3-D): the first word of each pair in `points[2i]`, the second in `points[2i + 1]`.

    An arrow runs from each first word to its second: when a direction carries meaning
    (male → female, country → capital), the arrows run parallel.
    """
    points = np.asarray(points, dtype=np.float64)
    firsts, seconds = points[0::2], points[1::2]  # (P, 2 or 3) each
    traces = [_labelled_points(spots, words, name, colour) for name, words, spots, colour in (
        (_("first word"), [p[0] for p in pairs], firsts, FIRST_COLOUR),
        (_("second word"), [p[1] for p in pairs], seconds, SECOND_COLOUR))]
    if points.shape[1] == 2:
        arrows = [{"x": end[0], "y": end[1], "ax": start[0], "ay": start[1], "xref": "x", "yref": "y", "axref": "x",
                   "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5, "arrowcolor": ARROW_COLOUR,
                   "standoff": 6, "startstandoff": 6, "text": ""} for start, end in zip(firsts, seconds)]
        # equal scales, or parallel arrows would not look parallel
        return go.Figure(traces, layout(title, height=MAP_HEIGHT, yaxis={"scaleanchor": "x"}, annotations=arrows))
    return go.Figure([*traces, *_arrows_3d(firsts, seconds)], layout(title, height=MAP_HEIGHT, scene={"aspectmode": "data"}))


def label_map(points: np.ndarray, labels: Sequence[str], title: str = "") -> go.Figure:
    """Projected vectors (2-D or 3-D) with their labels: written beside each point on a map of a few, on hover
    beyond NAMED_POINTS."""
    points = np.asarray(points, dtype=np.float64)
    trace = _labelled_points(points, list(labels), _("vector"), FIRST_COLOUR)
    if len(points) > NAMED_POINTS:
        trace |= {"mode": "markers", "marker": {"color": FIRST_COLOUR, "size": 4, "opacity": 0.7}}
    if points.shape[1] == 2:
        trace["type"] = points_type(len(points) > WEBGL_POINTS)
        return go.Figure([trace], layout(title, height=MAP_HEIGHT, yaxis={"scaleanchor": "x"}))
    return go.Figure([trace], layout(title, height=MAP_HEIGHT, scene={"aspectmode": "data"}))


def _labelled_points(spots: np.ndarray, words: list[str], name: str, colour: str) -> dict:
    trace = {"type": "scatter", "x": spots[:, 0], "y": spots[:, 1], "mode": "markers+text", "text": words,
             "name": name, "textposition": "top center", "marker": {"color": colour, "size": 7},
             "textfont": {"color": colour}, "hovertemplate": "%{text}<extra></extra>"}
    if spots.shape[1] == 2:
        return trace
    return trace | {"type": "scatter3d", "z": spots[:, 2]}


def _arrows_3d(starts: np.ndarray, ends: np.ndarray) -> list[dict]:
    """Shafts as one broken line (None between pairs) and heads as cones at the ends."""
    shafts = np.full((3 * len(starts), 3), np.nan)
    shafts[0::3], shafts[1::3] = starts, ends
    direction = ends - starts
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-9)
    return [{"type": "scatter3d", "x": shafts[:, 0], "y": shafts[:, 1], "z": shafts[:, 2], "mode": "lines",
             "name": _("offset"), "line": {"color": ARROW_COLOUR, "width": 4}, "hoverinfo": "skip",
             "connectgaps": False},
            {"type": "cone", "x": ends[:, 0], "y": ends[:, 1], "z": ends[:, 2], "u": direction[:, 0],
             "v": direction[:, 1], "w": direction[:, 2], "anchor": "tip", "sizemode": "absolute",
             "sizeref": 0.15 * _span(starts, ends), "colorscale": [[0, ARROW_COLOUR], [1, ARROW_COLOUR]],
             "showscale": False, "hoverinfo": "skip", "name": _("direction")}]


def _span(starts: np.ndarray, ends: np.ndarray) -> float:
    both = np.concatenate([starts, ends])
    return float(np.ptp(both, axis=0).max()) or 1.0


def answer_scores(words: Sequence[str], scores: Sequence[float], expected: str | None = None,
                  score_name: str = N_("score"), title: str = "") -> go.Figure:
    """Top-k answers as horizontal bars, best at the top; the expected answer stands out."""
    colours = [SECOND_COLOUR if w == expected else FIRST_COLOUR for w in words]
    bars = {"type": "bar", "x": list(scores)[::-1], "y": list(words)[::-1], "orientation": "h",
            "marker": {"color": colours[::-1]}, "hovertemplate": "%{y}: %{x:.3f}<extra></extra>"}
    return go.Figure([bars], layout(title, height=max(200, BAR_HEIGHT * len(words) + 60), xaxis={"title": _(score_name)}))


def section_accuracy(sections: Sequence[str], accuracies: dict[str, Sequence[float]], title: str = "") -> go.Figure:
    """Accuracy per analogy section, one bar group per set of vectors (e.g. GloVe and ours)."""
    bars = [{"type": "bar", "x": list(sections), "y": list(values), "name": name,
             "marker": {"color": COLOURS[i % len(COLOURS)]},
             "hovertemplate": "%{x}: %{y:.1%}<extra>" + name + "</extra>"}
            for i, (name, values) in enumerate(accuracies.items())]
    # the legend above the bars: the labels below them slant
    above = {"orientation": "h", "yref": "paper", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"}
    return go.Figure(bars, layout(title, height=420, barmode="group", legend=above,
                                  yaxis={"title": _("accuracy"), "tickformat": ".0%", "range": [0, 1]}))


def similarity_scatter(human: Sequence[float], cosine: Sequence[float], labels: Sequence[str],
                       title: str = "") -> go.Figure:
    """Each word pair: the people's score against the cosine; Spearman ρ asks whether both rank alike."""
    points = {"type": "scatter", "x": list(human), "y": list(cosine), "mode": "markers", "text": list(labels),
              "marker": {"color": FIRST_COLOUR, "size": 6, "opacity": 0.7},
              "hovertemplate": _("%{text}<br>human %{x:.2f} · cosine %{y:.3f}<extra></extra>")}
    return go.Figure([points], layout(title, xaxis={"title": _("human similarity (0–10)")},
                                      yaxis={"title": _("cosine similarity")}))
