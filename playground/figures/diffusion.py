"""Figures of the diffusion page: the schedule, noisy points, the ε field, reverse paths, sampler curves."""

import numpy as np
import plotly.figure_factory as ff
import plotly.graph_objects as go

from playground.figures import COLOURS, FAKE_COLOUR, REAL_COLOUR, WEBGL_POINTS, axis, layout, points_type
from playground.wording import _

PLANE = 4.0  # x_t of 2-D data is plotted on [−4, 4]²: N(0, I) hardly leaves it
PLANE_HEIGHT = 440  # a plane and the section picker above it fit a 1280×800 screen
TRAIL_COLOUR = COLOURS[7]
TRAILS = 25  # paths drawn: more become a grey tangle


def _square(title: str, extent: float = PLANE, height: int = PLANE_HEIGHT) -> dict:
    """The layout of a square plane [−extent, extent]², one unit as long both ways."""
    return layout(title, height=height, xaxis={"title": "x₁", "range": [-extent, extent], "constrain": "domain"},
                  yaxis={"title": "x₂", "range": [-extent, extent], "scaleanchor": "x"})


def _points(points: np.ndarray, name: str, colour: str, size: int = 4, opacity: float = 0.7,
            many: bool = False) -> dict:
    """Markers, SVG unless the figure holds `many` (a page may hold only ~16 WebGL charts)."""
    return {"type": points_type(many), "x": points[:, 0], "y": points[:, 1], "mode": "markers", "name": name,
            "hoverinfo": "skip", "marker": {"size": size, "color": colour, "opacity": opacity}}


def _dashed_at(x: float) -> dict:
    """A vertical dashed line across the plot at `x` (layout shapes)."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
            "line": {"color": "grey", "dash": "dash", "width": 1}}


def over_data(data: np.ndarray, points: np.ndarray, name: str, title: str = "",
              height: int = PLANE_HEIGHT) -> go.Figure:
    """Data points (N, 2) faintly, and other points (M, 2) over them: x_t noised from them, or samples."""
    many = len(data) + len(points) > WEBGL_POINTS
    return go.Figure([_points(data, _("data x₀"), REAL_COLOUR, 3, 0.25, many),
                      _points(points, name, FAKE_COLOUR, many=many)], _square(title, height=height))


def schedule(alpha_bar: np.ndarray, snr: np.ndarray, t: int, title: str = "") -> go.Figure:
    """ᾱ_t (T + 1,) on the left axis and SNR(t) (T,) on a log axis on the right, a line at the chosen t."""
    steps = np.arange(len(alpha_bar))
    traces = [{"type": "scatter", "x": steps, "y": alpha_bar, "name": "ᾱ_t", "line": {"color": COLOURS[0]}},
              {"type": "scatter", "x": steps[1:], "y": snr, "name": "SNR = ᾱ_t / (1 − ᾱ_t)", "yaxis": "y2",
               "line": {"color": COLOURS[1]}}]
    snr_axis = axis("SNR", type="log", overlaying="y", side="right", showgrid=False, exponentformat="power", dtick=2)
    return go.Figure(traces, layout(title, xaxis={"title": "t"}, yaxis={"title": "ᾱ_t", "range": [0, 1.02]},
                                    yaxis2=snr_axis, shapes=[_dashed_at(t)]))


def epsilon_field(grid: np.ndarray, epsilon: np.ndarray, xt: np.ndarray, title: str = "") -> go.Figure:
    """Arrows along −ε̂ (where the network would move each grid point, towards the data) over x_t samples."""
    push = -epsilon
    lengths = np.linalg.norm(push, axis=1)
    scale = 0.25 / max(float(np.median(lengths)), 1e-8)  # a median arrow a quarter of a unit long
    arrows = ff.create_quiver(grid[:, 0], grid[:, 1], push[:, 0], push[:, 1], scale=scale, arrow_scale=0.25,
                              line=dict(color=FAKE_COLOUR, width=1), name="−ε̂(x, t)").data[0].to_plotly_json()
    return go.Figure([_points(xt, "x_t", REAL_COLOUR, 3, 0.3, len(xt) > WEBGL_POINTS), arrows | {"hoverinfo": "skip"}],
                     _square(title, 3.2))


def _trails(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States (F, N, 2) as N paths in one x, y pair, NaN between paths (one trace draws them all)."""
    paths = np.concatenate([states.transpose(1, 0, 2), np.full((states.shape[1], 1, 2), np.nan)], axis=1)
    flat = paths.reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def reverse_paths(states: np.ndarray, frame: int, t: int, real: np.ndarray, title: str = "") -> go.Figure:
    """Points at one frame of a reverse run (S + 1, N, 2), and the path the first TRAILS of them took to get there."""
    x, y = _trails(states[: frame + 1, :TRAILS])
    many = len(real) + states.shape[1] > WEBGL_POINTS
    return go.Figure([
        _points(real, _("data"), REAL_COLOUR, 3, 0.2, many),
        {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": _("paths so far"), "hoverinfo": "skip",
         "line": {"color": TRAIL_COLOUR, "width": 1}, "opacity": 0.5},  # SVG: one path for every trail
        _points(states[frame], f"x_{t}", FAKE_COLOUR, many=many),
    ], _square(title))


def density(points: np.ndarray, title: str = "", extent: float = 3.0, bins: int = 60) -> go.Figure:
    """A 2-D histogram of samples (N, 2): where the model puts its mass."""
    edges = {"start": -extent, "end": extent, "size": 2 * extent / bins}
    hover = _("samples: {count}").format(count="%{z}") + "<extra></extra>"
    histogram = {"type": "histogram2d", "x": points[:, 0], "y": points[:, 1], "xbins": edges, "ybins": edges,
                 "colorscale": "Blues", "showscale": False, "hovertemplate": hover}
    return go.Figure([histogram], _square(title, extent))


def sampler_curve(curve: dict[str, list[float]], measure: str, chosen: int, title: str = "",
                  floor: float | None = None) -> go.Figure:
    """Quality (left) and seconds (right) against the number of sampler steps S (log axis); `measure` is the
    quality's English name, shown in the reader's language."""
    traces = [{"type": "scatter", "x": curve["steps"], "y": curve["quality"], "mode": "lines+markers",
               "name": _(measure), "line": {"color": COLOURS[0]}},
              {"type": "scatter", "x": curve["steps"], "y": curve["seconds"], "mode": "lines+markers",
               "name": _("seconds"), "yaxis": "y2", "line": {"color": COLOURS[1], "dash": "dot"}}]
    marks = {"shapes": [_dashed_at(chosen)], "annotations": []}
    if floor is not None:
        marks["shapes"].append({"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": floor, "y1": floor,
                                "yref": "y", "line": {"color": "grey", "dash": "dash", "width": 1}})
        marks["annotations"].append({"x": 0, "xref": "x domain", "y": floor, "yref": "y", "showarrow": False,
                                     "text": _("two fresh samples of the data"), "xanchor": "left",
                                     "yanchor": "bottom"})
    seconds = axis(_("seconds"), overlaying="y", side="right", showgrid=False, rangemode="tozero", tickformat=".2f")
    steps = {"title": _("sampler steps S"), "type": "log", "tickvals": curve["steps"]}
    return go.Figure(traces, layout(title, xaxis=steps, yaxis={"title": _(measure), "rangemode": "tozero"},
                                    yaxis2=seconds, **marks))


def guidance_curve(scales: list[float], values: dict[str, list[float]], chosen: float, title: str = "") -> go.Figure:
    """Measures (e.g. agreement, variety; named in English, shown in the reader's language) against the guidance
    scale w."""
    traces = [{"type": "scatter", "x": scales, "y": series, "mode": "lines+markers", "name": _(name),
               "line": {"color": COLOURS[index % len(COLOURS)]}} for index, (name, series) in enumerate(values.items())]
    return go.Figure(traces, layout(title, xaxis={"title": _("guidance scale w")}, yaxis={"rangemode": "tozero"},
                                    shapes=[_dashed_at(chosen)]))
