"""Plotly figure builders shared by every page: pure functions from arrays to figures.

One palette and one layout everywhere, so a loss curve or a digit colour means the same
thing on each page. Topic-specific builders live beside this file (figures/gan.py, ...).
"""

import io
from collections.abc import Mapping, Sequence

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
MAX_CURVE_POINTS = 1_000  # a live curve keeps every n-th point beyond this: a chart is only ~500 pixels wide
WEBGL_POINTS = 2_000  # markers drawn with WebGL beyond this; fewer are SVG (a page may hold only ~16 WebGL charts)
# Plotly widens a margin that its labels need (automargin) by drawing the chart a second time, on every update:
# margins that already hold the axes' labels and the legend's rows spare that (measured: a GAN control's answer
# 450 → 290 ms in Chromium without a graphics card). Labels that need more still get it, drawn twice.
AXES_MARGIN = {"l": 85, "r": 20, "b": 105}  # the axes' tick labels and titles, and one row of legend under them
LEGEND_ROW = 20  # px: each further row of legend (measured: 19 px); a narrow chart's legend wraps, one per name
RIGHT_SCALE_MARGIN = {**AXES_MARGIN, "r": 90}  # a colour bar or a second y-axis on the right
BARE_MARGIN = {"l": 10, "r": 10, "b": 10}  # images and 3-D scenes: no axes in the margins
GRID_COLOUR = "#EBF0F8"
RUN_COLOURS = (COLOURS[0], COLOURS[3], COLOURS[2], COLOURS[1])  # runs compared on one chart: A blue, B vermillion
DASHES = ("solid", "dot", "dash", "dashdot")  # one metric's line style in every run of a comparison


def layout(title: str, height: int = FIGURE_HEIGHT, xaxis: dict | None = None, yaxis: dict | None = None,
           margin: dict | None = None, legend_rows: int = 1, **settings) -> dict:
    """The layout every figure shares, as the dict `go.Figure(traces, layout)` takes; `settings` add to it.

    Figures are built in one constructor call from plain dicts: each `update_layout`, `update_xaxes` or
    `add_trace` walks Plotly's property tree again, and its default template is copied into every figure,
    about 10 ms per chart in all, too much for live charts that a class redraws many times a second. The
    template is "none": Streamlit's theme styles the chart in the browser. `margin` defaults to AXES_MARGIN,
    RIGHT_SCALE_MARGIN with a second y-axis, BARE_MARGIN for a 3-D scene and for images (both axes hidden).
    `legend_rows`: the rows the legend takes where the page shows the chart at 1280 px (a narrow column wraps
    it), so that the bottom margin holds them from the first draw.
    """
    hidden = all((given or {}).get("visible") is False for given in (xaxis, yaxis))
    margin = margin or (BARE_MARGIN if hidden or "scene" in settings else
                        RIGHT_SCALE_MARGIN if "yaxis2" in settings else AXES_MARGIN)
    if margin is not BARE_MARGIN:
        margin = {**margin, "b": margin["b"] + LEGEND_ROW * (legend_rows - 1)}
    return {"title": {"text": title, "font": {"size": 15}}, "height": height, "template": "none",
            "plot_bgcolor": "white", "margin": {**margin, "t": 36 if title else 10},
            # at the bottom of the figure, below the x-axis title, never over it; markers as large as the text
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "itemsizing": "constant"},
            "xaxis": axis(**(xaxis or {})), "yaxis": axis(**(yaxis or {})), **settings}


def axis(title: str = "", **settings) -> dict:
    """An axis with the shared grid colours; `title` is its label."""
    return {"title": {"text": title}, "gridcolor": GRID_COLOUR, "zerolinecolor": GRID_COLOUR, **settings}


def log_axis(axis: dict) -> dict:
    """A log axis labelled at the powers of ten (10⁻³, 10⁻², …), its minor ticks unlabelled."""
    return dict(axis, type="log", exponentformat="power", minorloglabels="none")


def points_type(many: bool) -> str:
    """WebGL ("scattergl") for many markers, SVG ("scatter", no WebGL context) for the usual few hundred."""
    return "scattergl" if many else "scatter"


def waiting(message: str) -> dict:
    """Layout settings for an empty chart: it says why it is empty instead of showing bare −1…1 axes."""
    return {"annotations": [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                             "showarrow": False, "font": {"size": 14, "color": "grey"}}]}


def marked(step: int | None) -> dict:
    """Layout settings for a dashed vertical line at `step` (None: none): where a history slider points."""
    if step is None:
        return {}
    return {"shapes": [{"type": "line", "x0": step, "x1": step, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                        "line": {"dash": "dash", "color": "grey"}}],
            "annotations": [{"x": step, "xref": "x", "y": 1, "yref": "y domain", "showarrow": False,
                             "text": _("step {step}").format(step=step), "xanchor": "left", "yanchor": "top"}]}


def thinned(steps: Sequence[int], values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """At most about MAX_CURVE_POINTS evenly spaced points of a curve (the last one always kept).

    Strided slices of the history's lists: only the kept points are copied, not the whole run.
    """
    stride = max(1, -(-len(steps) // MAX_CURVE_POINTS))
    last = [] if (len(steps) - 1) % stride == 0 else [-1]
    keep_steps = np.asarray([*steps[::stride], *(steps[i] for i in last)])
    keep_values = np.asarray([*values[::stride], *(values[i] for i in last)], dtype=np.float64)
    return keep_steps, keep_values


def line(x, y, name: str, colour: str, **settings) -> dict:
    """One curve in a shared colour: SVG, which Plotly checks in half the time of WebGL and browsers draw
    as fast at MAX_CURVE_POINTS (WebGL is for the thousands of points of scatter plots)."""
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": name, "line": {"color": colour}, **settings}


def loss_curves(
    history: History, names: Sequence[str], log_y: bool = False, title: str = N_("Loss"),
    reference_lines: dict[str, float] | None = None, marker: int | None = None, legend_rows: int = 1,
) -> go.Figure:
    """One line per metric name against the step; optional horizontal reference lines (e.g. 2·log 2) and a
    vertical `marker` at a step (the one a history slider shows); `legend_rows` as in `layout`."""
    traces = [line(*thinned(*history.series(name)), _(name), COLOURS[index % len(COLOURS)])
              for index, name in enumerate(names)]
    last_step = max((history.series(name)[0][-1] for name in names if history.series(name)[0]), default=1)
    traces += [{"type": "scatter", "x": [0, last_step], "y": [value, value], "mode": "lines+text", "name": label,
                "text": ["", label], "textposition": "top left", "textfont": {"color": "grey", "size": 11}, "cliponaxis": False,
                "showlegend": False,  # named on the line: a legend row fewer, within the figure's bottom margin
                "line": {"color": "grey", "dash": "dash", "width": 1}}  # traces, not shapes: shapes misplace labels
               for label, value in (reference_lines or {}).items()]  # on log axes
    return _curves(traces, title, log_y, empty=not any(history.series(name)[0] for name in names), marker=marker,
                   legend_rows=legend_rows)


def compare_runs(histories: Mapping[str, History], names: Sequence[str], log_y: bool = False,
                 title: str = N_("Loss"), marker: int | None = None) -> go.Figure:
    """Several runs' metrics on one chart, e.g. an A/B pair: a colour per run (its label, translated, names it),
    a line style per metric, the same in every run, so equal runs draw exactly over each other."""
    traces = []
    for index, (run, history) in enumerate(histories.items()):
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        traces += [line(*thinned(*history.series(name)), _("{run} · {metric}").format(run=run, metric=_(name)), colour,
                        line={"color": colour, "dash": DASHES[rank % len(DASHES)]}) for rank, name in enumerate(names)]
    empty = not any(history.series(name)[0] for history in histories.values() for name in names)
    return _curves(traces, title, log_y, empty, marker)


def _curves(traces: list[dict], title: str, log_y: bool, empty: bool, marker: int | None = None,
            legend_rows: int = 1) -> go.Figure:
    """Curves against the step, marked at `marker`; an empty chart says how to fill it instead of bare axes."""
    hidden = {"visible": False} if empty else {}
    return go.Figure(traces, layout(_(title), xaxis={"title": _("step"), **hidden},
                                    margin=AXES_MARGIN, legend_rows=legend_rows,  # empty or not: as after step 1
                                    yaxis={**(log_axis({}) if log_y else {}), **hidden},
                                    **(waiting(_("No steps yet: press ▶ Play or ⏭ Step")) if empty else
                                       marked(marker))))


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


def grey_levels(canvas: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] (NaN: none) as bytes 0–255 for a `gray_r` heat-map: a quarter of float32's size to send."""
    return np.round(255 * np.clip(np.nan_to_num(canvas, nan=0.0), 0, 1)).astype(np.uint8)


def image_grid(images: np.ndarray, columns: int = 10, title: str = "", height: int | None = None) -> go.Figure:
    """Grey images in [0, 1] as one tiled heat-map of grey levels 0–255 (fast to send and to redraw)."""
    canvas = tile(images, columns)
    rows = canvas.shape[0] / max(canvas.shape[1], 1)
    heatmap = {"type": "heatmap", "z": grey_levels(canvas[::-1]), "colorscale": "gray_r", "zmin": 0, "zmax": 255,
               "showscale": False, "hoverinfo": "skip"}
    return go.Figure([heatmap], layout(title, height or int(min(700, max(140, 420 * rows + 40))),
                                       xaxis={"visible": False, "constrain": "domain"},
                                       yaxis={"visible": False, "scaleanchor": "x"}))


def png_bytes(canvas: np.ndarray, scale: int = 1) -> bytes:
    """A canvas in [0, 1] as PNG bytes: ink dark on white paper; NaN (the gaps between images) is paper."""
    canvas = np.nan_to_num(canvas, nan=0.0)
    pixels = (255 * (1 - np.clip(canvas, 0, 1))).astype(np.uint8)
    image = Image.fromarray(pixels).resize((canvas.shape[1] * scale, canvas.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_grid(images: np.ndarray, columns: int = 10, scale: int = 4) -> bytes:
    """The same grid as `image_grid`, as PNG bytes for a download button."""
    return png_bytes(tile(images, columns), scale)


def scatter_2d(
    points: np.ndarray, labels: np.ndarray | None = None, title: str = "", label_name: str | None = None,
    axis_titles: tuple[str, str] = ("z₁", "z₂"), marker_size: int = 6, legend_rows: int = 1,
) -> go.Figure:
    """2-D points, one coloured trace per label (legend doubles as a filter); `label_name` comes translated;
    `legend_rows` as in `layout`."""
    return go.Figure(scatter_traces(points, labels, label_name, marker_size),
                     layout(title, xaxis={"title": axis_titles[0]}, yaxis={"title": axis_titles[1]},
                            legend_rows=legend_rows))


def scatter_traces(points: np.ndarray, labels: np.ndarray | None, label_name: str | None = None,
                   marker_size: int = 6) -> list[dict]:
    """The traces of `scatter_2d`: one per label, its rows in `customdata`; `label_name` (default: label) translated."""
    label_name = _("label") if label_name is None else label_name
    points = np.asarray(points)
    groups = [(None, np.arange(len(points)))] if labels is None else [
        (value, np.flatnonzero(labels == value)) for value in np.unique(labels)]
    return [{"type": points_type(len(points) > WEBGL_POINTS), "x": points[rows, 0], "y": points[rows, 1],
             "mode": "markers", "name": str(value) if value is not None else _("points"), "customdata": rows,
             "marker": {"size": marker_size, "color": COLOURS[index % len(COLOURS)], "opacity": 0.8},
             "hovertemplate": f"{label_name} {value}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"}
            for index, (value, rows) in enumerate(groups)]


def heatmap(
    z: np.ndarray, x: Sequence | None = None, y: Sequence | None = None, title: str = "",
    colorscale: str = "RdBu", axis_titles: tuple[str, str] = ("", ""), zmid: float | None = None,
    zrange: tuple[float, float] | None = None, xaxis: dict | None = None,
) -> go.Figure:
    """A matrix as colours, e.g. hidden units × time or a discriminator's output over the plane.

    `zrange` fixes the colour scale's ends; `xaxis` adds to the x axis (e.g. tick labels)."""
    trace = {"type": "heatmap", "z": np.asarray(z), "x": x, "y": y, "colorscale": colorscale, "zmid": zmid}
    if zrange is not None:
        trace |= {"zmin": zrange[0], "zmax": zrange[1]}
    return go.Figure([trace], layout(title, xaxis={"title": axis_titles[0], **(xaxis or {})},
                                     yaxis={"title": axis_titles[1]}, margin=RIGHT_SCALE_MARGIN))
