"""Shared figure builders, tested without Streamlit."""

import io
import itertools

import numpy as np
import pytest
from PIL import Image

from playground import figures
from playground.trainer import History


def test_loss_curves_have_one_trace_per_series_and_a_log_option():
    history = History()
    for step in range(5):
        history.add(step, {"train": 1 / (step + 1), "test": 2 / (step + 1)})
    figure = figures.loss_curves(history, ["train", "test"], log_y=True, reference_lines={"2·log 2": 1.386})
    assert [trace.name for trace in figure.data] == ["train", "test", "2·log 2"]
    assert list(figure.data[1].y) == [2.0, 1.0, 2 / 3, 0.5, 0.4]
    assert figure.layout.yaxis.type == "log"
    assert list(figure.data[2].y) == [1.386, 1.386] and list(figure.data[2].x) == [0, 4]


def test_a_chart_keeps_room_under_its_axes_for_each_row_of_its_legend():
    history = History()
    history.add(1, {"D loss": 1.4, "G loss": 0.7})
    one, two = (figures.loss_curves(history, ["D loss", "G loss"], legend_rows=rows).layout.margin for rows in (1, 2))
    assert (one.l, one.b) == (figures.AXES_MARGIN["l"], figures.AXES_MARGIN["b"])
    assert two.b == one.b + figures.LEGEND_ROW
    bare = figures.layout("", xaxis={"visible": False}, yaxis={"visible": False}, legend_rows=3)["margin"]
    assert bare["b"] == figures.BARE_MARGIN["b"]  # an image: no axes and no legend in its margins


def test_a_marker_is_a_vertical_line_at_its_step_on_loss_and_cell_curves():
    from playground.figures.rnn import compare_cells

    history = History()
    for step in range(1, 6):
        history.add(step, {"loss": 1 / step})
    for figure in (figures.loss_curves(history, ["loss"], log_y=True, marker=3),
                   compare_cells({"GRU": history}, "loss", "loss", log_y=True, marker=3)):
        (line,) = figure.layout.shapes
        assert (line.x0, line.x1, line.yref) == (3, 3, "y domain")  # the whole height, on a log axis too
    assert not figures.loss_curves(history, ["loss"]).layout.shapes


def test_compared_runs_share_a_chart_a_colour_per_run_and_a_line_style_per_metric():
    a, b = History(), History()
    for step in range(5):
        a.add(step, {"train": 1 / (step + 1), "test": 2 / (step + 1)})
        b.add(step, {"train": 1 / (step + 2), "test": 2 / (step + 2)})
    figure = figures.compare_runs({"A: η = 0.1": a, "B: η = 1": b}, ["train", "test"], log_y=True)
    assert [trace.name for trace in figure.data] == ["A: η = 0.1 · train", "A: η = 0.1 · test", "B: η = 1 · train",
                                                     "B: η = 1 · test"]
    assert list(figure.data[3].y) == [1.0, 2 / 3, 0.5, 0.4, 1 / 3] and figure.layout.yaxis.type == "log"
    assert figure.data[0].line.color == figure.data[1].line.color != figure.data[2].line.color
    assert figure.data[0].line.dash == figure.data[2].line.dash != figure.data[1].line.dash
    empty = figures.compare_runs({"A": History(), "B": History()}, ["train"])
    assert not figure.layout.annotations and empty.layout.annotations and empty.layout.xaxis.visible is False


def test_tile_places_images_row_major_with_gaps():
    images = np.stack([np.full((2, 2), value, np.float32) for value in (0.1, 0.2, 0.3)])
    canvas = figures.tile(images, columns=2)
    assert canvas.shape == (5, 5)
    assert canvas[0, 0] == np.float32(0.1) and canvas[0, 3] == np.float32(0.2) and canvas[3, 0] == np.float32(0.3)
    assert np.isnan(canvas[2, 2]) and np.isnan(canvas[4, 4])


def test_image_grid_and_png_show_the_same_pixels():
    images = np.random.default_rng(0).random((6, 1, 8, 8)).astype(np.float32)
    figure = figures.image_grid(images, columns=3)
    levels = np.asarray(figure.data[0].z, dtype=float)[::-1] / 255  # grey levels, gaps without ink
    np.testing.assert_allclose(levels, np.nan_to_num(figures.tile(images, 3), nan=0.0), atol=0.5 / 255)
    png = Image.open(io.BytesIO(figures.png_grid(images, columns=3, scale=2)))
    assert png.size == (2 * (3 * 9 - 1), 2 * (2 * 9 - 1))
    assert png.convert("L").getpixel((2 * 8, 0)) == 255  # the gap between images is white paper, not ink


def test_scatter_groups_points_by_label():
    points = np.arange(12, dtype=float).reshape(6, 2)
    figure = figures.scatter_2d(points, np.array([0, 1, 0, 2, 1, 0]))
    assert [trace.name for trace in figure.data] == ["0", "1", "2"]
    assert list(figure.data[0].customdata) == [0, 2, 5]


def test_heatmap_keeps_the_matrix():
    z = np.arange(6).reshape(2, 3)
    assert np.array_equal(figures.heatmap(z).data[0].z, z)


def test_long_curves_are_thinned_but_keep_their_ends():
    history = History()
    for step in range(1, 10_001):
        history.add(step, {"loss": 1 / step})
    trace = figures.loss_curves(history, ["loss"]).data[0]
    assert len(trace.x) <= figures.MAX_CURVE_POINTS + 1
    assert trace.x[0] == 1 and trace.x[-1] == 10_000 and trace.y[-1] == 1 / 10_000


def test_side_by_side_cell_curves_are_smoothed_exactly_and_thinned_after_a_long_run():
    from playground.figures import MAX_CURVE_POINTS
    from playground.figures.rnn import compare_cells, smooth
    from playground.trainer import History

    values = np.random.default_rng(0).random(50)
    running, expected = values[0], []
    for value in values:  # the textbook loop
        running = 0.9 * running + 0.1 * value
        expected.append(running)
    np.testing.assert_allclose(smooth(values), expected)
    history = History()
    history.add(0, {"test loss": 1.0})
    steps = list(range(1, 50_001))
    history.steps["loss"], history.values["loss"] = steps, list(np.linspace(1, 0, len(steps)))
    figure = compare_cells({"RNN": history, "LSTM": history}, "loss", "loss")
    assert all(len(trace.x) <= MAX_CURVE_POINTS + 1 for trace in figure.data)
    assert figure.data[0].x[-1] == 50_000


# ---- the palette: ten digit colours that stay apart for every kind of colour vision ------------------

WHITE_XYZ = np.array([0.95047, 1.0, 1.08883])  # D65
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
DICHROMACY = {  # Machado, Oliveira & Fernandes (2009), severity 1, applied to linear RGB
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E, MIN_DELTA_E_DICHROMAT, MIN_FROM_WHITE = 20.0, 12.0, 25.0


def linear_rgb(colour: str) -> np.ndarray:
    srgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* of linear sRGB (D65)."""
    xyz = np.clip(linear, 0, 1) @ SRGB_TO_XYZ.T / WHITE_XYZ
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e_2000(first: np.ndarray, second: np.ndarray) -> float:
    """CIEDE2000 colour difference of two L*a*b* colours (Sharma, Wu & Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = first, second
    mean_chroma = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(mean_chroma**7 / (mean_chroma**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    big_dh = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    mean_l, mean_c = (l1 + l2) / 2, (c1 + c2) / 2
    mean_h = h1 + h2 if c1 * c2 == 0 else (h1 + h2) / 2 + (180 if abs(h1 - h2) > 180 else 0)
    t = (1 - 0.17 * np.cos(np.radians(mean_h - 30)) + 0.24 * np.cos(np.radians(2 * mean_h))
         + 0.32 * np.cos(np.radians(3 * mean_h + 6)) - 0.20 * np.cos(np.radians(4 * mean_h - 63)))
    s_l = 1 + 0.015 * (mean_l - 50) ** 2 / np.sqrt(20 + (mean_l - 50) ** 2)
    s_c, s_h = 1 + 0.045 * mean_c, 1 + 0.015 * mean_c * t
    turn = 60 * np.exp(-(((mean_h - 275) / 25) ** 2))  # degrees: the blue region's hue rotation
    rotation = -2 * np.sqrt(mean_c**7 / (mean_c**7 + 25**7)) * np.sin(np.radians(turn))
    dl, dc, dh_term = (l2 - l1) / s_l, (c2 - c1) / s_c, big_dh / s_h
    return float(np.sqrt(dl**2 + dc**2 + dh_term**2 + rotation * dc * dh_term))


def test_delta_e_2000_matches_sharmas_published_pairs():
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425), ((50, 0, 0), (50, -1, 2), 2.3669),
             ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792), ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)]
    for first, second, expected in pairs:
        assert delta_e_2000(np.array(first), np.array(second)) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("vision", ["normal", *DICHROMACY])
def test_every_pair_of_the_ten_digit_colours_stays_apart(vision):
    simulate = DICHROMACY.get(vision, np.eye(3))
    seen = {colour: lab(simulate @ linear_rgb(colour)) for colour in figures.COLOURS}
    closest = min((delta_e_2000(seen[a], seen[b]), a, b) for a, b in itertools.combinations(figures.COLOURS, 2))
    assert len(set(figures.COLOURS)) == 10
    assert closest[0] >= (MIN_DELTA_E if vision == "normal" else MIN_DELTA_E_DICHROMAT), closest
    paper = lab(simulate @ np.ones(3))
    assert min(delta_e_2000(colour, paper) for colour in seen.values()) >= MIN_FROM_WHITE  # markers show on white


def test_the_manifold_runs_upwards_like_the_latent_map():
    from playground.figures.vae import manifold_grid

    top_left, rest = np.ones((1, 4, 4)), np.zeros((3, 4, 4))  # decoded grids come top row first
    figure = manifold_grid(np.concatenate([top_left, rest]), n=2, extent=1.0)
    levels, rows = np.asarray(figure.data[0].z, dtype=float), figure.data[0].dy
    assert rows > 0 and figure.layout.yaxis.autorange in (None, True)  # rows go up from y0, as z₂ does
    assert levels[-1, 0] > levels[0, 0]  # the top-left code's ink is in the last (highest) rows


def test_a_reconstruction_plane_is_drawn_flat_and_just_over_the_cloud():
    from playground.figures.autoencoder import planes_3d

    rng = np.random.default_rng(0)
    origin, basis = np.array([1.0, -2.0, 0.5]), np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    points = origin + rng.normal(size=(200, 2)) @ basis.T + 0.01 * rng.normal(size=(200, 3))
    cloud, plane = planes_3d(points, {"PCA": (origin, basis)}).data
    corners = np.stack([plane.x, plane.y, plane.z], axis=1)
    frame, _ = np.linalg.qr(basis)
    offsets = corners - origin
    np.testing.assert_allclose(offsets - offsets @ frame @ frame.T, 0, atol=1e-9)  # in the plane
    inside, drawn = (points - origin) @ frame, offsets @ frame
    np.testing.assert_allclose([drawn.min(0), drawn.max(0)], [inside.min(0), inside.max(0)])  # over the cloud
    assert len(cloud.x) == len(points) and sorted({*plane.i, *plane.j, *plane.k}) == [0, 1, 2, 3]
