"""Figures of the GAN page: the game on the plane (D's verdict, real and fake points, G's map)."""

import numpy as np
import plotly.graph_objects as go

from playground.figures import RIGHT_SCALE_MARGIN, COLOURS, FAKE_COLOUR, REAL_COLOUR, WEBGL_POINTS, layout, points_type
from playground.wording import _

ARROW_LENGTH = 0.35  # the mean arrow's length on the plane; lengths stay proportional to the gradients
MAPPING_COLOUR = COLOURS[7]
PLANE_HEIGHT = 300  # beside the losses, under the training panel


def _polylines(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, P, 2) polylines as one x, y pair with NaN between lines (one trace draws them all)."""
    gap = np.full((len(lines), 1, 2), np.nan)
    joined = np.concatenate([lines, gap], axis=1).reshape(-1, 2)
    return joined[:, 0], joined[:, 1]


def _arrows(points: np.ndarray, push: np.ndarray) -> dict:
    """Segments from each fake point along G's push, an arrow head at the tip."""
    norms = np.linalg.norm(push, axis=1)
    mean = float(norms.mean()) if len(norms) else 0.0
    tips = points + push * (ARROW_LENGTH / mean if mean > 0 else 0.0)
    x, y = _polylines(np.stack([points, tips], axis=1))
    sizes = np.tile([0, 9, 0], len(points))
    name = _("G's push (mean ‖∇‖ = {mean})").format(mean=f"{mean:.2g}")
    return {"type": "scatter", "x": x, "y": y, "mode": "lines+markers", "name": name,
            "line": {"color": FAKE_COLOUR, "width": 1}, "hoverinfo": "skip",
            "marker": {"symbol": "arrow", "angleref": "previous", "size": sizes, "color": FAKE_COLOUR}}


def game_plane(
    real: np.ndarray, fake: np.ndarray, ticks: np.ndarray, verdict: np.ndarray, probability: bool = True,
    mapping: np.ndarray | None = None, arrows: tuple[np.ndarray, np.ndarray] | None = None, title: str = "",
) -> go.Figure:
    """Real (N, 2) and fake (M, 2) points over D's verdict (R, R) on the grid `ticks` (R,).

    `probability`: D is a probability (colour scale 0..1 centred on ½) rather than a
    critic score (centred on 0). `mapping` (L, P, 2): the z-grid lines pushed through G.
    `arrows`: fake points and the direction G's update moves each of them.
    """
    centre, scale = (0.5, {"zmin": 0, "zmax": 1}) if probability else (0.0, {})
    traces = [{"type": "heatmap", "x": ticks, "y": ticks, "z": verdict, "colorscale": "RdBu", "zmid": centre,
               "opacity": 0.55, "name": "D(x)", **scale, "hovertemplate": "D = %{z:.2f}<extra></extra>",
               "colorbar": {"title": {"text": "D(x)" if probability else _("critic")}, "thickness": 12}}]
    if mapping is not None:
        x, y = _polylines(mapping)
        traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "name": _("G(z-grid)"), "hoverinfo": "skip",
                       "line": {"color": MAPPING_COLOUR, "width": 1}, "opacity": 0.6})
    kind = points_type(len(real) + len(fake) > WEBGL_POINTS)
    traces += [{"type": kind, "x": points[:, 0], "y": points[:, 1], "mode": "markers", "name": name,
                "marker": {"size": 4, "color": colour, "opacity": 0.7}, "hoverinfo": "skip"}
               for points, name, colour in ((real, _("real x"), REAL_COLOUR), (fake, _("fake G(z)"), FAKE_COLOUR))]
    if arrows is not None:
        traces.append(_arrows(*arrows))
    bounds = [float(ticks[0]), float(ticks[-1])]
    return go.Figure(traces, layout(title, height=PLANE_HEIGHT, margin=RIGHT_SCALE_MARGIN,
                                    xaxis={"title": "x₁", "range": bounds, "constrain": "domain"},
                                    yaxis={"title": "x₂", "range": bounds, "scaleanchor": "x"}))
