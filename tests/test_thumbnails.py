"""The home page's thumbnails are drawn by the lessons' pretrained models."""

import numpy as np
import pytest

from playground import thumbnails


@pytest.mark.parametrize("lesson", sorted(thumbnails.THUMBNAILS))
def test_each_thumbnail_is_a_small_non_empty_figure(lesson):
    figure = thumbnails.THUMBNAILS[lesson]()
    assert figure.data and figure.layout.height == thumbnails.THUMBNAIL_HEIGHT


def test_autoencoder_thumbnail_shows_originals_over_reconstructions():
    canvas = np.asarray(thumbnails.autoencoder().data[0].z, dtype=float)[::-1] / 255  # two rows of eight 28×28 digits
    assert canvas.shape == (2 * 28 + 1, 8 * 28 + 7)
    originals, rebuilt = canvas[:28, :28], canvas[29:, :28]
    assert 0 < np.abs(originals - rebuilt).mean() < 0.2  # similar, not identical


def test_rnn_thumbnail_reads_the_phrase_one_character_a_step():
    figure = thumbnails.rnn()
    assert len(figure.data[0].x) == len(thumbnails.RNN_PRIME)
