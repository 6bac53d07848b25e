"""Students' own data: a drawn digit, a drawn or uploaded 2-D distribution, uploaded text and vectors.

Everything a student sends is parsed here with limits checked first, and a ValueError says
what is wrong in words a student can act on. Nothing is unpickled; text is decoded as UTF-8.

A drawn digit is prepared the way MNIST's digits were (LeCun et al.): the ink's bounding box
scaled to fit 20×20 with its aspect kept, then placed in a 28×28 frame so that its centre of
mass sits at the centre. For the 8×8 digits the same picture is averaged down to 8×8.
"""

import base64
import csv
import io
import math

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from playground.data import Batch
from playground.wording import _

MAX_POINTS = 5_000  # rows of an uploaded CSV of 2-D points
MIN_POINTS = 8  # fewer cannot make a distribution worth learning
MAX_COORDINATE = 10.0  # |x|, |y|: the plane the GAN page draws is about [−3, 3]²
MAX_UPLOAD_BYTES = 2 * 2**20  # a CSV or TSV larger than this is refused before it is read
MAX_VECTORS = 5_000  # rows of uploaded embeddings
MAX_DIMENSIONS = 1_024
LABEL_CHARACTERS = 64  # of an uploaded vector's label: a point's name on a map, not a paragraph
MAX_BYTES_PER_CHARACTER = 4  # UTF-8 writes any character in one to four bytes
MIN_INK = 0.02  # of the canvas: less is an empty drawing
CANVAS_PIXELS = 280  # side of the drawing pad's canvas: ten times MNIST's


def mnist_like(drawing: np.ndarray, size: int = 28) -> np.ndarray:
    """A drawing (H, W) of ink in [0, 1] (or RGBA, ink = alpha) → (1, size, size) like the dataset's digits.

    28: MNIST's recipe (fit in 20×20, centre of mass at the centre of 28×28). 8: scikit-learn's
    (the digit fills a 32×32 box, averaged over 4×4 blocks).
    """
    ink = np.asarray(drawing, dtype=np.float32)
    if ink.ndim == 3:  # RGBA from a canvas: the alpha channel is the ink
        ink = ink[..., -1]
    if ink.ndim != 2 or ink.max(initial=0) <= 0 or (ink > 0.1 * ink.max()).mean() < MIN_INK:
        raise ValueError(_("The drawing is empty: draw a digit with a few strokes."))
    ink = ink / ink.max()
    rows, columns = np.flatnonzero(ink.max(1) > 0.1), np.flatnonzero(ink.max(0) > 0.1)
    box = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    if size == 28:
        frame = _fitted(box, inner=20, outer=28)
        centre_y, centre_x = ndimage.center_of_mass(frame)
        frame = ndimage.shift(frame, (14 - centre_y, 14 - centre_x), order=1, mode="constant")
    else:
        bitmap = ndimage.grey_dilation(_fitted(box, inner=4 * size, outer=4 * size), size=3)  # their pens are thick
        frame = bitmap.reshape(size, 4, size, 4).mean((1, 3))
        frame = frame / max(frame.max(), 1e-6)
    return np.clip(frame, 0, 1)[None]


def drawing_from_base64(text: str, side: int = CANVAS_PIXELS) -> np.ndarray:
    """The drawing pad's ink, base64 of side × side bytes (the canvas's alpha) → (side, side) floats in [0, 1]."""
    if not isinstance(text, str) or len(text) != 4 * math.ceil(side * side / 3):  # checked before decoding
        raise ValueError(_("A drawing must have {side}×{side} pixels.").format(side=side))
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error
        raise ValueError(_("A drawing must be {side}×{side} bytes in base64.").format(side=side)) from None
    return np.frombuffer(raw, np.uint8).reshape(side, side).astype(np.float32) / 255


def _fitted(box: np.ndarray, inner: int, outer: int) -> np.ndarray:
    """`box` scaled (aspect kept) to fit inner×inner, centred in an outer×outer frame of zeros."""
    scale = inner / max(box.shape)
    height, width = max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale))
    resized = np.asarray(Image.fromarray(box).resize((width, height), Image.LANCZOS), dtype=np.float32)
    frame = np.zeros((outer, outer), np.float32)
    top, left = (outer - height) // 2, (outer - width) // 2
    frame[top : top + height, left : left + width] = np.clip(resized, 0, 1)
    return frame


def points_from_csv(data: bytes) -> np.ndarray:
    """Two numeric columns (a header row is allowed) → points (N, 2) float32, checked and bounded."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(_("The file is larger than {megabytes} MB; keep at most {rows} rows.").format(
            megabytes=MAX_UPLOAD_BYTES // 2**20, rows=f"{MAX_POINTS:,}"))
    rows = [row for row in csv.reader(io.StringIO(_text(data))) if any(cell.strip() for cell in row)]
    if rows and not _numeric(rows[0]):
        rows = rows[1:]  # a header
    if len(rows) > MAX_POINTS:
        raise ValueError(_("The file has {rows} rows; the limit is {limit}.").format(rows=f"{len(rows):,}",
                                                                                     limit=f"{MAX_POINTS:,}"))
    for number, row in enumerate(rows, start=1):
        if len(row) != 2 or not _numeric(row):
            raise ValueError(_("Row {number} is not two numbers (x, y).").format(number=number))
    return check_points(np.array(rows, dtype=np.float64))


def points_from_pad(values: object) -> np.ndarray:
    """The drawing pad's points, a JSON list of [x, y] → (N, 2) float32 within the plane. Fewer than
    MIN_POINTS are kept (the student is still drawing); `check_points` asks for enough before training."""
    if not isinstance(values, list) or len(values) > MAX_POINTS:
        raise ValueError(_("Give at most {count} points as a list of [x, y].").format(count=f"{MAX_POINTS:,}"))
    try:
        if not all(isinstance(point, list) and len(point) == 2 for point in values):
            raise TypeError
        points = np.array(values, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ValueError(_("Every point must be two numbers [x, y].")) from None
    return _on_the_plane(points)


def check_points(points: np.ndarray) -> np.ndarray:
    """Points (N, 2) that are finite, within the plane and numerous enough; float32."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(points) < MIN_POINTS:
        raise ValueError(_("Give at least {least} points (there are {count}).").format(least=MIN_POINTS,
                                                                                        count=len(points)))
    return _on_the_plane(points)


def _on_the_plane(points: np.ndarray) -> np.ndarray:
    """Points (N, 2) whose coordinates are finite and within ±MAX_COORDINATE, as float32."""
    if not np.isfinite(points).all() or np.abs(points).max(initial=0) > MAX_COORDINATE:
        raise ValueError(_("Every coordinate must be a finite number between −{limit} and {limit}.").format(
            limit=f"{MAX_COORDINATE:g}"))
    return points.astype(np.float32)


def text_from_txt(data: bytes, max_characters: int) -> str:
    """An uploaded .txt file as text, within the budget of a box of `max_characters`: its size is checked before it
    is decoded (UTF-8 writes a character in at most MAX_BYTES_PER_CHARACTER bytes), and the text is cut to
    `max_characters`, as the box's max_chars cuts what is pasted."""
    limit = MAX_BYTES_PER_CHARACTER * max_characters
    if len(data) > limit:
        raise ValueError(_("The file has {size} bytes; a text here may have at most {limit} ({characters} "
                           "characters).").format(size=f"{len(data):,}", limit=f"{limit:,}",
                                                  characters=f"{max_characters:,}"))
    text = _text(data)
    if not text.strip():
        raise ValueError(_("The file is empty."))
    return text[:max_characters]


def vectors_from_tsv(data: bytes) -> np.ndarray:
    """The Embedding Projector's vectors file, one vector per line with tab-separated values → (N, D) float32."""
    _check_size(data)
    rows = [line.split("\t") for line in _text(data).splitlines() if line.strip()]
    if not 2 <= len(rows) <= MAX_VECTORS:
        raise ValueError(_("Give between 2 and {most} vectors (there are {count}).").format(
            most=f"{MAX_VECTORS:,}", count=f"{len(rows):,}"))
    widths = {len(row) for row in rows}
    if len(widths) != 1 or not 2 <= widths.pop() <= MAX_DIMENSIONS:
        raise ValueError(_("Every vector needs the same number of values, between 2 and {most}.").format(
            most=MAX_DIMENSIONS))
    for number, row in enumerate(rows, start=1):
        if not _numeric(row):
            raise ValueError(_("Line {number} of the vectors file is not all numbers.").format(number=number))
    array = np.array(rows, dtype=np.float32)
    if not np.isfinite(array).all():
        raise ValueError(_("Every value of the vectors file must be finite."))
    return array


def labels_from_tsv(data: bytes) -> list[str]:
    """The Embedding Projector's metadata file: one label per line. A file of several tab-separated columns starts
    with a row of column names, as the Projector reads it; its first column is the label."""
    _check_size(data)
    rows = [line.split("\t") for line in _text(data).splitlines() if line.strip()]
    if any(len(row) > 1 for row in rows):
        rows = rows[1:]
    return [row[0].strip()[:LABEL_CHARACTERS] for row in rows]


def labelled_vectors(labels: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """One label per vector. Exactly one label more than there are vectors is a one-column file's header
    row (the Projector writes none, spreadsheets often do): it is dropped."""
    if len(labels) == len(vectors) + 1:
        labels = labels[1:]
    if len(labels) != len(vectors):
        raise ValueError(_("There are {vectors} vectors but {labels} labels: give one label per vector.").format(
            vectors=f"{len(vectors):,}", labels=f"{len(labels):,}"))
    return labels, vectors


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(_("Each file must be smaller than {megabytes} MB.").format(
            megabytes=MAX_UPLOAD_BYTES // 2**20))


class PointBatches:
    """Batches drawn (with replacement) from a student's own 2-D points, for the GAN and diffusion pages."""

    def __init__(self, points: np.ndarray, device: torch.device | str = "cpu"):
        self.points = torch.from_numpy(check_points(points)).to(device)

    def restart(self) -> None:
        """Nothing to forget: every batch is a fresh draw."""

    def sample(self, batch_size: int, generator: torch.Generator) -> Batch:
        index = torch.randint(len(self.points), (batch_size,), generator=generator).to(self.points.device)
        return self.points[index], torch.zeros(batch_size, dtype=torch.long, device=self.points.device)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("The file is not UTF-8 text.")) from None


def _numeric(row: list[str]) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True
