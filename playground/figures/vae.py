"""Figures of the VAE page: the latent map (μ, σ ellipses, a clickable plane) and the manifold grid."""

import numpy as np
import plotly.graph_objects as go

from playground.figures import COLOURS, layout, scatter_2d, tile
from playground.wording import _

MAX_ELLIPSES = 300  # σ ellipses drawn at most: more hides the points and slows the browser
ELLIPSE_VERTICES = 24
MAP_HEIGHT = 440  # a latent map and the section picker above it fit a 1280×800 screen
CLICK_GRID = 41  # invisible points per side that make every spot of the map clickable


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
    figure = scatter_2d(mu, labels, title=title, label_name=_("digit"))
    figure.update_traces(unselected=dict(marker=dict(opacity=0.75)))  # a click elsewhere does not fade the codes
    figure.update_xaxes(constrain="domain")
    figure.update_yaxes(scaleanchor="x")  # one unit is one unit both ways: circles stay round
    figure.update_layout(height=MAP_HEIGHT)
    if sigma is None:
        return figure
    shown = np.arange(min(len(mu), MAX_ELLIPSES))  # the test set is shuffled, so the first ones are a fair sample
    for trace in list(figure.data):
        rows = np.intersect1d(trace.customdata, shown)
        x, y = _ellipses(mu[rows], sigma[rows])
        trace.legendgroup = trace.name
        figure.add_trace(go.Scatter(x=x, y=y, mode="lines", legendgroup=trace.name, showlegend=False,
                                      line=dict(width=1, color=trace.marker.color), opacity=0.35, hoverinfo="skip"))
    return figure


def _manifold_heatmap(images: np.ndarray, n: int, extent: float) -> go.Heatmap:
    """n×n decoded images (rows top-down, as `grid_codes` makes them) as one heat-map whose
    axes are latent coordinates: each image is centred on the code it was decoded from."""
    canvas = tile(images, n, gap=0)[::-1]  # (n·H, n·W), row 0 at the bottom
    spacing = 2 * extent / max(n - 1, 1)  # distance between neighbouring codes
    pixel = spacing / images.shape[-1]
    return go.Heatmap(z=canvas, x0=-extent - spacing / 2 + pixel / 2, dx=pixel, y0=-extent - spacing / 2 + pixel / 2,
                      dy=pixel, colorscale="gray_r", zmin=0, zmax=1, showscale=False, hoverinfo="skip")


def manifold_grid(images: np.ndarray, n: int, extent: float, title: str = "") -> go.Figure:
    """The decoded manifold on its own, axes in latent coordinates."""
    figure = go.Figure(_manifold_heatmap(images, n, extent))
    figure.update_xaxes(title="z₁", constrain="domain")
    figure.update_yaxes(title="z₂", scaleanchor="x")
    return layout(figure, title, height=MAP_HEIGHT)


def overlay_manifold(figure: go.Figure, images: np.ndarray, n: int, extent: float) -> go.Figure:
    """Put the decoded manifold under a latent map's points, so each code sits on what it decodes to."""
    overlaid = go.Figure(data=[_manifold_heatmap(images, n, extent), *figure.data], layout=figure.layout)
    overlaid.update_traces(marker=dict(size=4, opacity=0.6), selector=dict(mode="markers"))  # let the digits show
    return overlaid


def add_click_grid(figure: go.Figure, extent: float) -> go.Figure:
    """Near-invisible points over [−extent, extent]² so that a click anywhere selects a code to decode."""
    ticks = np.linspace(-extent, extent, CLICK_GRID)
    x, y = np.meshgrid(ticks, ticks)
    figure.add_trace(go.Scatter(x=x.ravel(), y=y.ravel(), mode="markers", name=_("click to decode"), showlegend=False,
                                marker=dict(size=9, color=COLOURS[8], opacity=0.02),
                                selected=dict(marker=dict(opacity=1, color=COLOURS[3], size=14)),  # the clicked z
                                hovertemplate=_("decode (%{x:.2f}, %{y:.2f})<extra></extra>")))
    return figure
