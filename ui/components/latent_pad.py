"""The latent pad: the decoder runs in the browser, so the image follows the pointer across latent space.

A slider sends its value only when it is released, and the server's answer takes a round trip.
The pad instead receives the decoder's weights (playground.decoder_export: one base64 string of
float32) once per model version, decodes z in the browser on every pointer move and draws it on a
canvas (latent_pad.js). Python hears of z only on release, through `on_release`, so the page's own
controls and session state follow.

Versions: a fixed model is one version; a model in training is at the step of its trainer, moved on
at most every REFRESH_SECONDS while it plays (at once when it pauses), so a class of students
watching a model train does not stream weights twice a second. The weights of a version are sent
once per pad and session; a browser that has lost them (a pad of another section was reloaded, say)
asks again with its "missing" event.
"""

import base64
import itertools
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import streamlit as st
from torch import nn

from playground.decoder_export import decoder_program, packed
from playground.figures import COLOURS
from playground.trainer import Trainer
from ui.components import component
from ui.i18n import _

REFRESH_SECONDS = 2.0  # while training plays, the browser's weights are at most this old
IMAGE_PIXELS = 200  # the decoded image's width on screen (at most: a whole number of screen pixels per pixel)

_pad = component("latent_pad")
# Each model object gets a number of its own for the life of the server process: id() would do until a freed
# model's address is reused by a new one (a rebuilt trainer), whose weights the browser would then think it has.
_numbers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_counter, _numbering = itertools.count(1), threading.Lock()


@dataclass(frozen=True)
class Plane:
    """The square the pad shows, in latent space: z = origin + x·axes[0] + y·axes[1] at the point (x, y).

    Dimensions in `sliders` get a slider of their own (their value is origin[dim]), decoded live too.
    """

    origin: np.ndarray  # (k,)
    axes: np.ndarray  # (2, k)
    box: tuple[float, float, float, float]  # x from, x to, y from, y to
    sliders: tuple[int, ...] = ()
    slider_range: tuple[float, float, float] = (-4.0, 4.0, 0.05)  # min, max, step

    @classmethod
    def axis_aligned(cls, z: np.ndarray, extent: float, step: float) -> "Plane":
        """z₁ and z₂ on the pad (±extent), every further dimension on a slider, the others at z."""
        origin = np.array(z, np.float32)
        origin[:2] = 0
        return cls(origin, np.eye(2, len(z), dtype=np.float32), (-extent, extent, -extent, extent),
                   tuple(range(2, len(z))), (-extent, extent, step))


@dataclass(frozen=True)
class Points:
    """The test codes drawn under the pad, (N, 2) in the pad's coordinates, coloured by label; with σ (N, 2),
    the 1-σ ellipse of the code under the pointer."""

    xy: np.ndarray
    labels: np.ndarray
    sigma: np.ndarray | None = None
    markers: list[dict] = field(default_factory=list)  # {"xy": (x, y), "sigma": (σx, σy) or None, "label": str}


def square_around(points: np.ndarray, margin: float = 0.08) -> tuple[float, float, float, float]:
    """The smallest square box holding every point (N, 2), widened by `margin` of its side."""
    low, high = points.min(0), points.max(0)
    centre, half = (low + high) / 2, max(float((high - low).max()) / 2, 1e-3) * (1 + margin)
    return (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))


def plane(key: str, model: nn.Module, where: Plane, points: Points, *, position: np.ndarray | None = None,
          trainer: Trainer | None = None, on_release: Callable[[np.ndarray], None] | None = None) -> bool:
    """A 2-D pad over a latent map beside the decoded image; `position` (x, y) is the chosen point (None: the
    pad keeps its own). Returns False, with a caption, when the decoder cannot run in a browser."""
    payload = {
        "mode": "plane", "position": None if position is None else [float(v) for v in position],
        "plane": {"origin": where.origin.tolist(), "axes": where.axes.tolist(), "box": [float(v) for v in where.box],
                  "sliders": [{"dim": d, "label": f"z{d + 1}", "min": where.slider_range[0],
                               "max": where.slider_range[1], "step": where.slider_range[2]} for d in where.sliders]},
        "points": {"xy": _base64(points.xy, np.float32), "labels": _base64(points.labels, np.uint8),
                   "sigma": None if points.sigma is None else _base64(points.sigma, np.float32)},
        "markers": [{**marker, "xy": [float(v) for v in marker["xy"]],
                     "sigma": None if marker.get("sigma") is None else [float(v) for v in marker["sigma"]]}
                    for marker in points.markers],
    }
    return _mount(key, model, None, trainer, payload, len(where.origin), on_release and (lambda z, t: on_release(z)))


def path(key: str, model: nn.Module, start: np.ndarray, end: np.ndarray, method: str, t: float = 0.0, *,
         label: int | None = None, trainer: Trainer | None = None,
         on_release: Callable[[float], None] | None = None) -> bool:
    """A scrub along the path from code `start` to code `end` ("linear" or "spherical", as
    playground.interpolation), decoded live; `label` picks the digit of a conditional generator."""
    payload = {"mode": "path", "path": {"a": np.asarray(start, float).tolist(), "b": np.asarray(end, float).tolist(),
                                        "method": method, "t": float(t)}}
    return _mount(key, model, label, trainer, payload, len(start), on_release and (lambda z, t: on_release(t)))


def _mount(key: str, model: nn.Module, label: int | None, trainer: Trainer | None, payload: dict, size: int,
           on_release: Callable[[np.ndarray, float], None] | None) -> bool:
    model_id = f"{model_number(model)}" + ("" if label is None else f"-digit{label}")
    version = "fixed" if trainer is None else _training_version(key, trainer)
    entry = {"id": model_id, "version": version}
    if st.session_state.get(f"{key}_delivered") != (model_id, version):
        try:
            entry["program"] = packed(decoder_program(model, label))
        except ValueError as error:
            st.caption(_("This model cannot be decoded in the browser ({reason}).").format(reason=error))
            return False
        st.session_state[f"{key}_delivered"] = (model_id, version)
    data = {**payload, "model": entry, "pixels": IMAGE_PIXELS, "report": on_release is not None,
            "colours": list(COLOURS), "text": {"loading": _("Loading the decoder…"), "label": _("digit")}}

    def released() -> None:
        reported = released_code(st.session_state[key]["release"], size)
        if reported is not None:  # anything else is not what latent_pad.js sends: ignored
            on_release(*reported)

    def missing() -> None:
        st.session_state.pop(f"{key}_delivered", None)

    _pad(key=key, data=data, on_release_change=released if on_release else None, on_missing_change=missing)
    return True


def released_code(value: object, size: int) -> tuple[np.ndarray, float] | None:
    """What the browser reports on release, {"z": [size numbers], "t": a number in [0, 1] or null}, as z (size,)
    float32 and t (0 for a plane); None for anything else, checked before anything is built from it."""
    if not isinstance(value, dict) or not isinstance(value.get("z"), list) or len(value["z"]) != size:
        return None
    try:
        z, t = np.array(value["z"], dtype=np.float32), float(value.get("t") or 0.0)
    except (TypeError, ValueError):
        return None
    return (z, t) if np.isfinite(z).all() and 0 <= t <= 1 else None


def _training_version(key: str, trainer: Trainer) -> str:
    """The trainer's step, refreshed at most every REFRESH_SECONDS while it plays (at once when paused)."""
    stored = st.session_state.get(f"{key}_version")  # (model number, step, when it was taken)
    updated = next_version(stored, model_number(trainer.model), trainer.step_count, trainer.playing, time.monotonic())
    st.session_state[f"{key}_version"] = updated
    return f"{updated[1]}"


def next_version(stored: tuple[int, int, float] | None, model_id: int, step: int, playing: bool,
                 now: float) -> tuple[int, int, float]:
    """The version the browser should have: `stored` unless the model is another one, or its step moved and
    either training is paused or the stored version is REFRESH_SECONDS old."""
    if stored is not None and stored[:2] == (model_id, step):
        return stored
    if stored is None or stored[0] != model_id or not playing or now - stored[2] >= REFRESH_SECONDS:
        return (model_id, step, now)
    return stored


def model_number(model: nn.Module) -> int:
    """A number for `model` alone, never given to another model of this process (unlike id())."""
    with _numbering:
        if model not in _numbers:
            _numbers[model] = next(_counter)
        return _numbers[model]


def _base64(values: np.ndarray, dtype: type) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()).decode()
