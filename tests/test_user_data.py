"""Students' own data: drawn digits land among their class, bad files get a message, points train."""

import base64

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from playground import gan_lessons, user_data
from playground.data import split
from playground.models.gan import GANConfig
from playground.pretrain import load_pretrained
from playground.sequences import MAX_PASTED_CHARS, clean_pasted, corpus_from_txt
from playground.vae_lessons import encode


STROKE = 36  # pixels on a 280-pixel canvas: the page's pen


def drawn(digit: int, size: int = 280) -> np.ndarray:
    """Synthesised strokes of a digit on a canvas, as a student's mouse would leave them (ink = 1)."""
    canvas = Image.new("L", (size, size), 0)
    pen = ImageDraw.Draw(canvas)
    if digit == 0:
        pen.ellipse((60, 30, 220, 250), outline=255, width=STROKE)
        canvas = canvas.rotate(-15)  # written leaning right, as most zeros are
    elif digit == 1:
        pen.line((150, 40, 130, 240), fill=255, width=STROKE)
    else:  # 7
        pen.line((80, 50, 200, 50), fill=255, width=STROKE)
        pen.line((200, 50, 120, 240), fill=255, width=STROKE)
    return np.asarray(canvas, dtype=np.float32) / 255


@pytest.mark.parametrize("name, size", [("vae_mnist_2d", 28), ("vae_digits_2d", 8)])
def test_a_drawn_digit_lands_among_real_digits_of_its_class_on_the_pretrained_vae_map(name, size):
    model = load_pretrained(name)
    data = split("MNIST 28×28" if size == 28 else "Digits 8×8", 0)
    codes, _ = encode(model, data.x_test)
    for digit in (0, 1, 7):
        image = user_data.mnist_like(drawn(digit), size)
        assert image.shape == (1, size, size) and 0 <= image.min() and image.max() <= 1
        code, _ = encode(model, image[None])
        nearest = np.argsort(((codes - code) ** 2).sum(1))[:15]
        votes = np.bincount(data.y_test[nearest], minlength=10)  # a 2-D map mixes neighbouring classes a little
        assert votes[digit] >= 5 and digit in np.argsort(votes)[-2:], (digit, votes)


def test_an_empty_drawing_is_refused_with_a_message():
    with pytest.raises(ValueError, match="empty"):
        user_data.mnist_like(np.zeros((280, 280)))


def test_csv_points_are_read_with_or_without_a_header_and_bad_files_get_a_message():
    rows = "\n".join(f"{np.cos(a):.3f},{np.sin(a):.3f}" for a in np.linspace(0, 6, 20))
    assert user_data.points_from_csv(("x,y\n" + rows).encode()).shape == (20, 2)
    bad = {b"1,2\n3\n": "Row 2", b"a,b\n1,x\n" + b"1,1\n" * 10: "Row 1", b"1,2\n" * 3: "at least",
           b"1,2\n" * 9 + b"1e9,0\n": "between", b"\xff\xfe\x00": "UTF-8", b"nan,1\n" * 10: "finite",
           b"1,2\n" * (user_data.MAX_POINTS + 1): "limit"}
    for data, message in bad.items():
        with pytest.raises(ValueError, match=message):
            user_data.points_from_csv(data)


def test_vectors_and_labels_are_read_as_the_embedding_projector_writes_them():
    vectors = user_data.vectors_from_tsv(b"1\t0\t0\n0\t1.5\t0\n\n0\t0\t-1e-3\n")
    assert vectors.dtype == np.float32 and vectors.shape == (3, 3) and vectors[1, 1] == 1.5
    assert user_data.labelled_vectors(user_data.labels_from_tsv(b"a\nb\n\xc3\xb1\n"), vectors)[0] == ["a", "b", "ñ"]
    columns = user_data.labels_from_tsv(b"word\tcount\na\t1\nb\t2\nc\t3\n")  # several columns: a header row
    assert columns == ["a", "b", "c"]
    assert user_data.labelled_vectors(user_data.labels_from_tsv(b"word\na\nb\nc\n"), vectors)[0] == ["a", "b", "c"]
    assert user_data.labels_from_tsv(b"x" * 1000 + b"\n") == ["x" * user_data.LABEL_CHARACTERS]


def test_bad_vectors_and_labels_files_get_a_message():
    bad_vectors = {b"1\t0\n0\t1\t1\n": "same number of values", b"1\t0\n0\tx\n": "Line 2 of the vectors file",
                   b"1,0\n0,1\n": "same number of values", b"1\t0\n": "between 2 and", b"": "between 2 and",
                   b"1\tnan\n0\t1\n": "finite", b"1\n2\n": "between 2 and 1024", b"\xff\xfe1\t2\n": "UTF-8",
                   b"0\t1\n" * (user_data.MAX_VECTORS + 1): "between 2 and 5,000",
                   b"\t".join([b"0"] * 1025) + b"\n" + b"\t".join([b"1"] * 1025): "between 2 and 1024",
                   b"0\t1\n" * 600_000: "smaller than 2 MB"}
    for data, message in bad_vectors.items():
        with pytest.raises(ValueError, match=message):
            user_data.vectors_from_tsv(data)
    with pytest.raises(ValueError, match="UTF-8"):
        user_data.labels_from_tsv(b"\xffa\n")
    with pytest.raises(ValueError, match="3 vectors but 1 labels"):
        user_data.labelled_vectors(["a"], np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match="2 vectors but 4 labels"):  # one extra line is a header, two are not
        user_data.labelled_vectors(list("abcd"), np.eye(2, dtype=np.float32))


def test_a_txt_file_is_decoded_and_held_to_its_box_budget():
    spanish = "¿Dónde está el niño? ¡Aquí!\n"
    assert user_data.text_from_txt(("\ufeff" + spanish).encode(), 100) == spanish  # a byte-order mark is dropped
    assert user_data.text_from_txt(("ñ" * 15).encode(), 10) == "ñ" * 10  # cut like a box's max_chars
    bad = {b"\xff\xfehola": "not UTF-8", b"": "empty", b" \n\t\n": "empty", "ñ".encode("latin-1") * 5: "not UTF-8",
           b"a" * 41: "at most 40"}
    for data, message in bad.items():
        with pytest.raises(ValueError, match=message):
            user_data.text_from_txt(data, 10)


def test_an_uploaded_corpus_is_held_to_the_pasted_texts_budget():
    text = "¿Dónde está el niño? ¡Aquí, junto al árbol del jardín! " * 10
    assert corpus_from_txt(text.encode()) == clean_pasted(text)
    assert corpus_from_txt(b"word " * 50_000) == clean_pasted(("word " * 50_000)[:MAX_PASTED_CHARS])  # as a box cuts
    many = " ".join(chr(0x4E00 + index) for index in range(30_000))  # 30,000 distinct characters in 120 KB
    bad = {many.encode(): "30,001 distinct characters", b"too short": "at least 200", b"x" * 400_001: "at most",
           b"\xc3(" * 100: "UTF-8"}
    for data, message in bad.items():
        with pytest.raises(ValueError, match=message):
            corpus_from_txt(data)


def test_the_drawing_pads_strokes_are_read_within_their_limits():
    ink = (np.arange(280 * 280) % 256).astype(np.uint8)
    text = base64.b64encode(ink.tobytes()).decode()
    drawing = user_data.drawing_from_base64(text)
    assert drawing.shape == (280, 280) and drawing[0, 1] == np.float32(1 / 255) and drawing.max() == 1
    for bad in ("", text[:-4], text + "AAAA", "!" * len(text), None):
        with pytest.raises(ValueError, match="280×280"):
            user_data.drawing_from_base64(bad)
    points = user_data.points_from_pad([[0.5, -1], [2, 2.5], [3, 0]])
    assert points.dtype == np.float32 and points.shape == (3, 2)  # fewer than a distribution needs: kept
    bad = [("x", "a list"), ([[1, 2, 3]], "two numbers"), ([[1, "a"]], "two numbers"), ([[1, None]], "finite"),
           ([[1e9, 0]], "between"), ([[float("nan"), 0]], "finite"), ([[0, 0]] * 5001, "at most")]
    for values, message in bad:
        with pytest.raises(ValueError, match=message):
            user_data.points_from_pad(values)


def mean_distance_to(points: np.ndarray, fakes: np.ndarray) -> float:
    """How far the generated points (M, 2) lie, on average, from the nearest of the target points (N, 2)."""
    return float(np.linalg.norm(fakes[:, None] - points[None], axis=2).min(1).mean())


def test_a_gan_trained_on_drawn_points_moves_its_samples_to_them():
    angle = np.linspace(0.2, np.pi - 0.2, 60)  # an arc a student drew across the top of the plane
    points = np.stack([2 * np.cos(angle), 2 * np.sin(angle) - 0.5], 1).astype(np.float32)
    trainer = gan_lessons.make_trainer(GANConfig(), gan_lessons.PRESETS["it works"].train_config(), points, seed=0)
    z = gan_lessons.fixed_noise(trainer.model, 500, seed=1)

    def distance() -> float:
        with torch.no_grad():
            return mean_distance_to(points, trainer.model.generate(z).numpy())

    before = distance()
    trainer.step(400)
    assert trainer.evaluate is None and distance() < 0.35 * before, (before, distance())
    with pytest.raises(ValueError, match="at least 8 points"):
        gan_lessons.make_trainer(GANConfig(), gan_lessons.PRESETS["it works"].train_config(), points[:3])
