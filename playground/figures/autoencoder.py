"""Figures of the autoencoder page: reconstruction planes in 3-D and the anomaly histogram."""

import numpy as np
import plotly.graph_objects as go

from playground.figures import COLOURS, layout
from playground.wording import _

SPACE_HEIGHT = 330  # px: the 3-D cloud under the training panel fits a 1280×720 screen


def _plane_surface(points: np.ndarray, origin: np.ndarray, basis: np.ndarray, name: str, colour: str) -> dict:
    """The affine plane origin + span(basis), drawn just over the part where `points` project: a rectangle of two
    flat triangles (a mesh; a `surface` trace costs a browser without a graphics card far more to set up)."""
    frame, _ = np.linalg.qr(basis)  # (3, 2) orthonormal
    coordinates = (points - origin) @ frame  # (N, 2) positions of the points within the plane
    (s0, t0), (s1, t1) = coordinates.min(0), coordinates.max(0)
    corners = np.array([origin + s * frame[:, 0] + t * frame[:, 1] for s, t in ((s0, t0), (s1, t0), (s1, t1), (s0, t1))])
    return {"type": "mesh3d", "x": corners[:, 0], "y": corners[:, 1], "z": corners[:, 2], "i": [0, 0], "j": [1, 2],
            "k": [2, 3], "name": name, "showlegend": True, "opacity": 0.45, "color": colour, "flatshading": True,
            "hoverinfo": "name"}


def planes_3d(points: np.ndarray, planes: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "") -> go.Figure:
    """A 3-D point cloud and named planes (origin (3,), basis (3, 2)) that reconstruct it."""
    cloud = {"type": "scatter3d", "x": points[:, 0], "y": points[:, 1], "z": points[:, 2], "mode": "markers",
             "name": _("data"), "marker": {"size": 2, "color": COLOURS[8], "opacity": 0.7}}
    surfaces = [_plane_surface(points, origin, basis, name, COLOURS[index + 1])
                for index, (name, (origin, basis)) in enumerate(planes.items())]
    # No tick numbers: the planes and their angle are the lesson, not the coordinates, and without a graphics card
    # each number is a text mesh that Chromium rebuilds on the CPU whenever the scene is redrawn (measured: ⏭'s
    # answer on the PCA section 130–410 ms with them, 80–205 ms without).
    unnumbered = {"showticklabels": False}
    scene = {"aspectmode": "data", "xaxis": {"title": {"text": "x₁"}, **unnumbered},
             "yaxis": {"title": {"text": "x₂"}, **unnumbered}, "zaxis": {"title": {"text": "x₃"}, **unnumbered},
             "hovermode": False}  # no picking pass: it read the whole canvas back at every draw, 0.1 s without a GPU
    return go.Figure([cloud, *surfaces], layout(title, height=SPACE_HEIGHT, scene=scene))


def error_histogram(errors: np.ndarray, threshold: float | None = None, title: str = "") -> go.Figure:
    """Per-sample reconstruction errors; the dashed line marks where the anomalies start."""
    histogram = {"type": "histogram", "x": errors, "nbinsx": 60, "marker": {"color": COLOURS[0]},
                 "name": _("test images")}
    marks = {} if threshold is None else {
        "shapes": [{"type": "line", "x0": threshold, "x1": threshold, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                    "line": {"dash": "dash", "color": COLOURS[3]}}],
        "annotations": [{"x": threshold, "xref": "x", "y": 1, "yref": "y domain", "text": _("worst shown"),
                         "showarrow": False, "xanchor": "left", "yanchor": "top"}]}
    return go.Figure([histogram], layout(title, xaxis={"title": _("reconstruction error ‖x − x̂‖² / D")},
                                         yaxis={"title": _("images")}, **marks))
