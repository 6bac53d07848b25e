"""The latent pad's Python half: model versions while training, and the square it shows."""

import gc

import numpy as np
from torch import nn

from ui.components.latent_pad import (
    REFRESH_SECONDS,
    Plane,
    model_number,
    next_version,
    released_code,
    square_around,
)


def test_a_training_model_reaches_the_browser_at_most_every_refresh_while_playing():
    first = next_version(None, model_id=1, step=0, playing=True, now=100.0)
    assert first == (1, 0, 100.0)
    assert next_version(first, 1, 250, playing=True, now=100.0 + REFRESH_SECONDS / 2) == first  # too soon: kept
    assert next_version(first, 1, 500, playing=True, now=100.0 + REFRESH_SECONDS) == (1, 500, 102.0)
    assert next_version(first, 1, 260, playing=False, now=100.5) == (1, 260, 100.5)  # paused: the last weights now
    assert next_version(first, 2, 0, playing=True, now=100.1) == (2, 0, 100.1)  # another model (a reset): at once
    assert next_version(first, 1, 0, playing=True, now=500.0) is first  # nothing moved: the same version


def test_the_pad_shows_a_square_around_the_codes_and_puts_further_dimensions_on_sliders():
    box = square_around(np.array([[0.0, -1.0], [4.0, 1.0]]), margin=0.0)
    assert box == (0.0, 4.0, -2.0, 2.0)
    plane = Plane.axis_aligned(np.array([0.5, -1.0, 2.0, 3.0]), extent=4.0, step=0.05)
    assert plane.origin.tolist() == [0.0, 0.0, 2.0, 3.0] and plane.sliders == (2, 3)
    assert plane.axes.tolist() == [[1, 0, 0, 0], [0, 1, 0, 0]] and plane.box == (-4.0, 4.0, -4.0, 4.0)


def test_a_new_model_never_takes_an_old_ones_number_even_at_its_address():
    numbers = set()
    for _ in range(50):  # CPython hands a freed model's address to the next one; numbers are never reused
        model = nn.Linear(2, 2)
        assert model_number(model) == model_number(model)
        numbers.add(model_number(model))
        del model
        gc.collect()
    assert len(numbers) == 50


def test_what_the_browser_reports_on_release_is_checked_before_use():
    z, t = released_code({"z": [0.5, -1.25, 3.0], "t": None}, 3)
    assert z.dtype == np.float32 and z.tolist() == [0.5, -1.25, 3.0] and t == 0.0
    assert released_code({"z": [0.0, 1.0], "t": 0.25}, 2)[1] == 0.25
    bad = [None, "z", {"z": [1.0, 2.0]}, {"z": [1.0] * 10**6}, {"z": ["a", 1.0, 2.0]}, {"z": [float("nan"), 0, 0]},
           {"z": [0, 0, 0], "t": 2.0}, {"z": [0, 0, 0], "t": "soon"}, {"z": [[0], 0, 0]}]
    assert all(released_code(value, 3) is None for value in bad)
