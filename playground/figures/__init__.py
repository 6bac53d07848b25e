"""Plotly figure builders shared by every page: pure functions from arrays to figures.

One palette and one layout everywhere, so a loss curve or a digit colour means the same
thing on each page. Topic-specific builders live beside this file (figures/gan.py, ...).
"""

import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from playground.trainer import History
from playground.wording import N_, _

COLOURS = (  # ten digit classes, told apart with any colour vision (tests/test_figures.py checks every pair)
    "#0072B2", "#FFB000", "#009E73", "#D55E00", "#CC79A7",  # Okabe–Ito blue, IBM gold, O–I green, vermillion, pink
    "#56B4E9", "#332288", "#000000", "#555555", "#771122",  # O–I sky blue, Tol indigo, black, dark grey, Tol wine
)
REAL_COLOUR, FAKE_COLOUR = COLOURS[0], COLOURS[3]
FIGURE_HEIGHT = 300  # two charts and the training panel fit beside a section's controls at 1280×720
MAX_CURVE_POINTS = 2_000  # a live curve keeps every n-th point beyond this: redrawn twice a second, it must stay small
WEBGL_POINTS = 2_000  # markers drawn with WebGL beyond this; fewer are SVG (a page may hold only ~16 WebGL charts)
GRID_COLOUR = "#EBF0F8"


def layout(figure: go.Figure, title: str, height: int = FIGURE_HEIGHT) -> go.Figure:
    figure.update_layout(  # styled directly: a template costs ~30 ms per figure, too much for live charts
        title=dict(text=title, font_size=15), height=height, margin=dict(l=10, r=10, t=36 if title else 10, b=10),
        plot_bgcolor="white",
        # at the bottom of the figure, below the x-axis title, never over it; markers as large as the text
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", itemsizing="constant"),
    )
    figure.update_xaxes(gridcolor=GRID_COLOUR, zerolinecolor=GRID_COLOUR)
    figure.update_yaxes(gridcolor=GRID_COLOUR, zerolinecolor=GRID_COLOUR)
    return figure


def log_axis(axis: dict) -> dict:
    """A log axis labelled at the powers of ten (10⁻³, 10⁻², …), its minor ticks unlabelled."""
    return dict(axis, type="log", exponentformat="power", minorloglabels="none")


def points_trace(many: bool):
    """go.Scattergl for many markers, go.Scatter (SVG, no WebGL context) for the usual few hundred."""
    return go.Scattergl if many else go.Scatter


def thinned(steps: list[int], values: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """At most about MAX_CURVE_POINTS evenly spaced points of a curve (the last one always kept)."""
    stride = max(1, -(-len(steps) // MAX_CURVE_POINTS))
    keep = np.unique(np.r_[np.arange(0, len(steps), stride), len(steps) - 1]) if steps else np.arange(0)
    return np.asarray(steps)[keep], np.asarray(values)[keep]


def loss_curves(
    history: History, names: Sequence[str], log_y: bool = False, title: str = N_("Loss"),
    reference_lines: dict[str, float] | None = None,
) -> go.Figure:
    """One line per metric name against the step; optional horizontal reference lines (e.g. 2·log 2)."""
    figure = go.Figure()
    for index, name in enumerate(names):
        steps, values = thinned(*history.series(name))
        figure.add_trace(go.Scatter(x=steps, y=values, mode="lines", name=_(name),  # SVG: one path per curve
                                    line=dict(color=COLOURS[index % len(COLOURS)])))
    last_step = max((history.series(name)[0][-1] for name in names if history.series(name)[0]), default=1)
    for label, value in (reference_lines or {}).items():  # traces, not shapes: shapes misplace labels on log axes
        figure.add_trace(go.Scatter(x=[0, last_step], y=[value, value], mode="lines", name=label,
                                    line=dict(color="grey", dash="dash", width=1)))
    figure.update_layout(xaxis=dict(title=_("step")), yaxis=log_axis({}) if log_y else {})
    if not any(history.series(name)[0] for name in names):
        waiting(figure, _("No steps yet: press ▶ Play or ⏭ Step"))
    return layout(figure, _(title))


def waiting(figure: go.Figure, message: str) -> go.Figure:
    """An empty chart says why it is empty instead of showing bare −1…1 axes."""
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                                 font=dict(size=14, color="grey"))


def tile(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Lay out (N, H, W) or (N, 1, H, W) images in a grid with `gap` pixels of background; NaN pads."""
    images = np.asarray(images, dtype=np.float32).reshape(len(images), *np.shape(images)[-2:])
    count, height, width = images.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    canvas = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, np.float32)
    for index, image in enumerate(images):
        r, c = divmod(index, columns)
        canvas[r * (height + gap): r * (height + gap) + height, c * (width + gap): c * (width + gap) + width] = image
    return canvas


def image_grid(images: np.ndarray, columns: int = 10, title: str = "", height: int | None = None) -> go.Figure:
    """Grey images in [0, 1] as one tiled heat-map (fast to send and to redraw)."""
    canvas = tile(images, columns)
    figure = go.Figure(go.Heatmap(z=canvas[::-1], colorscale="gray_r", zmin=0, zmax=1,
                                  showscale=False, hoverinfo="skip"))
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, scaleanchor="x")
    rows = canvas.shape[0] / max(canvas.shape[1], 1)
    return layout(figure, title, height or int(min(700, max(140, 420 * rows + 40))))


def png_grid(images: np.ndarray, columns: int = 10, scale: int = 4) -> bytes:
    """The same grid as `image_grid`, as PNG bytes for a download button."""
    canvas = np.nan_to_num(tile(images, columns), nan=0.0)  # gaps: no ink
    pixels = (255 * (1 - np.clip(canvas, 0, 1))).astype(np.uint8)  # ink dark on white, as on paper
    image = Image.fromarray(pixels).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def scatter_2d(
    points: np.ndarray, labels: np.ndarray | None = None, title: str = "", label_name: str = "label",
    axis_titles: tuple[str, str] = ("z₁", "z₂"), marker_size: int = 6,
) -> go.Figure:
    """2-D points, one coloured trace per label (legend doubles as a filter)."""
    points = np.asarray(points)
    figure = go.Figure()
    groups = [(None, np.arange(len(points)))] if labels is None else [
        (value, np.flatnonzero(labels == value)) for value in np.unique(labels)]
    trace = points_trace(len(points) > WEBGL_POINTS)
    for index, (value, rows) in enumerate(groups):
        figure.add_trace(trace(
            x=points[rows, 0], y=points[rows, 1], mode="markers",
            name=str(value) if value is not None else "points", customdata=rows,
            marker=dict(size=marker_size, color=COLOURS[index % len(COLOURS)], opacity=0.8),
            hovertemplate=f"{label_name} {value}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        ))
    figure.update_xaxes(title=axis_titles[0])
    figure.update_yaxes(title=axis_titles[1])
    return layout(figure, title)


def heatmap(
    z: np.ndarray, x: Sequence | None = None, y: Sequence | None = None, title: str = "",
    colorscale: str = "RdBu", axis_titles: tuple[str, str] = ("", ""), zmid: float | None = None,
) -> go.Figure:
    """A matrix as colours, e.g. hidden units × time or a discriminator's output over the plane."""
    figure = go.Figure(go.Heatmap(z=np.asarray(z), x=x, y=y, colorscale=colorscale, zmid=zmid))
    figure.update_xaxes(title=axis_titles[0])
    figure.update_yaxes(title=axis_titles[1])
    return layout(figure, title)
