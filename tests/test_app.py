"""The entry file: home page, navigation and sidebar."""

from pathlib import Path

LESSON_FILES = {"autoencoder", "vae", "gan", "rnn", "embeddings", "diffusion"}
PAGES = Path(__file__).resolve().parent.parent / "pages"


def test_home_renders_without_exception(home):
    assert not home.exception
    assert home.title[0].value == "Deep-learning playground"


def test_home_links_every_existing_lesson_and_only_those(home):
    existing = {path.stem for path in PAGES.glob("*.py")} & LESSON_FILES
    cards = [subheader.value for subheader in home.subheader]
    assert len(cards) == len(existing)


def test_sidebar_shows_device_and_seed(home):
    assert any("Device: CPU" in caption.value for caption in home.sidebar.caption)
    assert home.number_input(key="seed").value == 0


def test_every_lesson_card_has_its_thumbnail(home):
    charts = [chart for chart in home.get("plotly_chart")]
    assert len(charts) == len(home.subheader) == len(LESSON_FILES)
