"""Figures of the diffusion page: the schedule, noisy points, the ε field, reverse paths, sampler curves."""

import numpy as np
import plotly.figure_factory as ff
import plotly.graph_objects as go

from playground.figures import COLOURS, FAKE_COLOUR, REAL_COLOUR, layout

PLANE = 4.0  # x_t of 2-D data is plotted on [−4, 4]²: N(0, I) hardly leaves it
PLANE_HEIGHT = 460
TRAIL_COLOUR = COLOURS[7]
TRAILS = 25  # paths drawn: more become a grey tangle


def _square(figure: go.Figure, extent: float = PLANE) -> go.Figure:
    figure.update_xaxes(range=[-extent, extent], title="x₁", constrain="domain")
    figure.update_yaxes(range=[-extent, extent], title="x₂", scaleanchor="x")
    return figure


def _points(points: np.ndarray, name: str, colour: str, size: int = 4, opacity: float = 0.7) -> go.Scattergl:
    return go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", name=name, hoverinfo="skip",
                        marker=dict(size=size, color=colour, opacity=opacity))


def over_data(data: np.ndarray, points: np.ndarray, name: str, title: str = "") -> go.Figure:
    """Data points (N, 2) faintly, and other points (M, 2) over them: x_t noised from them, or samples."""
    figure = go.Figure([_points(data, "data x₀", REAL_COLOUR, 3, 0.25), _points(points, name, FAKE_COLOUR)])
    return layout(_square(figure), title, height=PLANE_HEIGHT)


def schedule(alpha_bar: np.ndarray, snr: np.ndarray, t: int, title: str = "") -> go.Figure:
    """ᾱ_t (T + 1,) on the left axis and SNR(t) (T,) on a log axis on the right, a line at the chosen t."""
    steps = np.arange(len(alpha_bar))
    figure = go.Figure([
        go.Scatter(x=steps, y=alpha_bar, name="ᾱ_t", line=dict(color=COLOURS[0])),
        go.Scatter(x=steps[1:], y=snr, name="SNR = ᾱ_t / (1 − ᾱ_t)", yaxis="y2", line=dict(color=COLOURS[1])),
    ])
    figure.add_vline(x=t, line=dict(color="grey", dash="dash", width=1))
    figure.update_layout(yaxis=dict(title="ᾱ_t", range=[0, 1.02]),
                         yaxis2=dict(title="SNR", type="log", overlaying="y", side="right", showgrid=False,
                                     exponentformat="power", dtick=2))
    figure.update_xaxes(title="t")
    return layout(figure, title)


def epsilon_field(grid: np.ndarray, epsilon: np.ndarray, xt: np.ndarray, title: str = "") -> go.Figure:
    """Arrows along −ε̂ (where the network would move each grid point, towards the data) over x_t samples."""
    push = -epsilon
    lengths = np.linalg.norm(push, axis=1)
    scale = 0.25 / max(float(np.median(lengths)), 1e-8)  # a median arrow a quarter of a unit long
    arrows = ff.create_quiver(grid[:, 0], grid[:, 1], push[:, 0], push[:, 1], scale=scale, arrow_scale=0.25,
                              line=dict(color=FAKE_COLOUR, width=1), name="−ε̂(x, t)").data[0]
    arrows.hoverinfo = "skip"
    figure = go.Figure([_points(xt, "x_t", REAL_COLOUR, 3, 0.3), arrows])
    return layout(_square(figure, 3.2), title, height=PLANE_HEIGHT)


def _trails(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States (F, N, 2) as N paths in one x, y pair, NaN between paths (one trace draws them all)."""
    paths = np.concatenate([states.transpose(1, 0, 2), np.full((states.shape[1], 1, 2), np.nan)], axis=1)
    flat = paths.reshape(-1, 2)
    return flat[:, 0], flat[:, 1]


def reverse_paths(states: np.ndarray, frame: int, t: int, real: np.ndarray, title: str = "") -> go.Figure:
    """Points at one frame of a reverse run (S + 1, N, 2), and the path the first TRAILS of them took to get there."""
    x, y = _trails(states[: frame + 1, :TRAILS])
    figure = go.Figure([
        _points(real, "data", REAL_COLOUR, 3, 0.2),
        go.Scattergl(x=x, y=y, mode="lines", name="paths so far", hoverinfo="skip",
                     line=dict(color=TRAIL_COLOUR, width=1), opacity=0.5),
        _points(states[frame], f"x_{t}", FAKE_COLOUR),
    ])
    return layout(_square(figure), title, height=PLANE_HEIGHT)


def density(points: np.ndarray, title: str = "", extent: float = 3.0, bins: int = 60) -> go.Figure:
    """A 2-D histogram of samples (N, 2): where the model puts its mass."""
    figure = go.Figure(go.Histogram2d(
        x=points[:, 0], y=points[:, 1], xbins=dict(start=-extent, end=extent, size=2 * extent / bins),
        ybins=dict(start=-extent, end=extent, size=2 * extent / bins), colorscale="Blues", showscale=False,
        hovertemplate="%{z} samples<extra></extra>"))
    return layout(_square(figure, extent), title, height=PLANE_HEIGHT)


def sampler_curve(curve: dict[str, list[float]], measure: str, chosen: int, title: str = "",
                  floor: float | None = None) -> go.Figure:
    """Quality (left) and seconds (right) against the number of sampler steps S (log axis)."""
    figure = go.Figure([
        go.Scatter(x=curve["steps"], y=curve["quality"], mode="lines+markers", name=measure,
                   line=dict(color=COLOURS[0])),
        go.Scatter(x=curve["steps"], y=curve["seconds"], mode="lines+markers", name="seconds", yaxis="y2",
                   line=dict(color=COLOURS[1], dash="dot")),
    ])
    if floor is not None:
        figure.add_hline(y=floor, line=dict(color="grey", dash="dash", width=1),
                         annotation_text="two fresh samples of the data", annotation_position="top left")
    figure.add_vline(x=chosen, line=dict(color="grey", dash="dash", width=1))
    figure.update_xaxes(title="sampler steps S", type="log", tickvals=curve["steps"])
    figure.update_layout(yaxis=dict(title=measure, rangemode="tozero"),
                         yaxis2=dict(title="seconds", overlaying="y", side="right", showgrid=False, rangemode="tozero",
                                     tickformat=".2f"))
    return layout(figure, title)


def guidance_curve(scales: list[float], values: dict[str, list[float]], chosen: float, title: str = "") -> go.Figure:
    """Measures (e.g. agreement, variety) against the guidance scale w."""
    figure = go.Figure([go.Scatter(x=scales, y=series, mode="lines+markers", name=name,
                                   line=dict(color=COLOURS[index % len(COLOURS)]))
                        for index, (name, series) in enumerate(values.items())])
    figure.add_vline(x=chosen, line=dict(color="grey", dash="dash", width=1))
    figure.update_xaxes(title="guidance scale w")
    figure.update_yaxes(rangemode="tozero")
    return layout(figure, title)
