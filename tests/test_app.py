"""The entry file: home page, navigation and sidebar."""

from playground.device import describe, pick_device
from tests.conftest import open_page

LESSON_FILES = {"autoencoder", "vae", "gan", "diffusion", "rnn", "embeddings", "seq2seq"}


def test_home_renders_without_exception(home):
    assert not home.exception
    assert home.title[0].value == "Deep-learning playground"


def test_home_links_every_lesson(home):
    links = {link.proto.page.removeprefix("pages/").removesuffix(".py") for link in home.get("page_link")}
    cards = [header for header in home.subheader if any(link in header.value for link in ("🗜️", "🧭", "⚔️", "🌫️",
                                                                                         "🔁", "🔤", "🔀"))]
    assert links == LESSON_FILES and len(cards) == len(LESSON_FILES)


def test_sidebar_shows_device_and_seed(home):
    assert any(f"Device: {describe(pick_device())}" in caption.value for caption in home.sidebar.caption)
    assert home.number_input(key="seed").value == 0


def test_every_lesson_card_has_its_thumbnail(home):
    charts = [chart for chart in home.get("plotly_chart")]
    assert len(charts) == len(LESSON_FILES)  # one thumbnail per lesson card


def test_a_lesson_runs_inside_app_py():
    """AppTest starts every run in Streamlit's legacy pages/ mode; the lesson must still get app.py's frame."""
    lesson = open_page("vae")
    assert not lesson.exception
    assert lesson.number_input(key="seed").value == 0  # the sidebar app.py draws
    assert lesson.title[0].value != "Deep-learning playground"  # and the lesson, not the home page
