"""Figures of the VAE page: the latent map (μ, σ ellipses) and the manifold grid."""

import numpy as np
import plotly.graph_objects as go

from playground.figures import grey_levels, layout, scatter_traces, tile
from playground.wording import _

MAX_ELLIPSES = 300  # σ ellipses drawn at most: more hides the points and slows the browser
ELLIPSE_VERTICES = 24
MAP_HEIGHT = 440  # a latent map and the section picker above it fit a 1280×800 screen


def ink(images: np.ndarray, scale: int = 8) -> np.ndarray:
    """Images (N, H, W) in [0, 1] -> uint8 (N, H·scale, W·scale), dark ink on white as in `png_grid`.

    For `st.image`: a few milliseconds, where a Plotly figure takes tens, so a decoded
    digit can follow a dragged slider. Nearest-neighbour enlargement keeps pixels crisp.
    """
    pixels = (255 * (1 - np.clip(images, 0, 1))).astype(np.uint8)
    return pixels.repeat(scale, axis=1).repeat(scale, axis=2)


def _ellipses(centres: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outlines of axis-aligned ellipses as one polyline, NaN between them: x, y each (N·(V+1),)."""
    angles = np.linspace(0, 2 * np.pi, ELLIPSE_VERTICES)
    x = centres[:, :1] + radii[:, :1] * np.cos(angles)  # (N, V)
    y = centres[:, 1:2] + radii[:, 1:2] * np.sin(angles)
    gap = np.full((len(centres), 1), np.nan)
    return np.hstack([x, gap]).ravel(), np.hstack([y, gap]).ravel()


def latent_map(mu: np.ndarray, labels: np.ndarray, sigma: np.ndarray | None = None, title: str = "") -> go.Figure:
    """The codes μ (N, 2) coloured by label; with σ (N, 2), the 1-σ ellipse of q(z|x) around some of them.

    A VAE's diagonal Gaussian has axis-aligned ellipses; overlapping ones are why
    the space between codes decodes to something sensible.
    """
    codes = [trace | {"legendgroup": trace["name"], "unselected": {"marker": {"opacity": 0.75}}}  # a click elsewhere
             for trace in scatter_traces(mu, labels, label_name=_("digit"))]  # does not fade the codes
    shown = np.arange(min(len(mu), MAX_ELLIPSES))  # the test set is shuffled, so the first ones are a fair sample
    ellipses = [] if sigma is None else [_ellipse_trace(trace, mu, sigma, shown) for trace in codes]
    # one unit is one unit both ways: circles stay round; the square plot, as wide as it is high whatever the
    # page's width, wraps the ten digits' legend into three rows
    return go.Figure(codes + ellipses, layout(title, height=MAP_HEIGHT, xaxis={"title": "z₁", "constrain": "domain"},
                                              yaxis={"title": "z₂", "scaleanchor": "x"}, legend_rows=3))


def _ellipse_trace(codes: dict, mu: np.ndarray, sigma: np.ndarray, shown: np.ndarray) -> dict:
    """The ellipses of the `shown` rows among one label's codes, in that label's colour and legend group."""
    rows = np.intersect1d(codes["customdata"], shown)
    x, y = _ellipses(mu[rows], sigma[rows])
    return {"type": "scatter", "x": x, "y": y, "mode": "lines", "legendgroup": codes["name"], "showlegend": False,
            "line": {"width": 1, "color": codes["marker"]["color"]}, "opacity": 0.35, "hoverinfo": "skip"}


def _manifold_heatmap(images: np.ndarray, n: int, extent: float) -> dict:
    """n×n decoded images (rows top-down, as `grid_codes` makes them) as one heat-map whose
    axes are latent coordinates: each image is centred on the code it was decoded from."""
    canvas = tile(images, n, gap=0)[::-1]  # (n·H, n·W), row 0 at the bottom
    spacing = 2 * extent / max(n - 1, 1)  # distance between neighbouring codes
    pixel = spacing / images.shape[-1]
    start = -extent - spacing / 2 + pixel / 2
    return {"type": "heatmap", "z": grey_levels(canvas), "x0": start, "dx": pixel, "y0": start, "dy": pixel,
            "colorscale": "gray_r", "zmin": 0, "zmax": 255, "showscale": False, "hoverinfo": "skip"}


def manifold_grid(images: np.ndarray, n: int, extent: float, title: str = "") -> go.Figure:
    """The decoded manifold on its own, axes in latent coordinates."""
    return go.Figure([_manifold_heatmap(images, n, extent)],
                     layout(title, height=MAP_HEIGHT, xaxis={"title": "z₁", "constrain": "domain"},
                            yaxis={"title": "z₂", "scaleanchor": "x"}))


def overlay_manifold(figure: go.Figure, images: np.ndarray, n: int, extent: float) -> go.Figure:
    """Put the decoded manifold under a latent map's points, so each code sits on what it decodes to."""
    points = [trace.to_plotly_json() for trace in figure.data]
    for trace in points:
        if trace.get("mode") == "markers":  # smaller and fainter: let the digits show
            trace["marker"] = {**trace.get("marker", {}), "size": 4, "opacity": 0.6}
    return go.Figure([_manifold_heatmap(images, n, extent), *points], figure.layout)

