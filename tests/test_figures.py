"""Shared figure builders, tested without Streamlit."""

import io

import numpy as np
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
