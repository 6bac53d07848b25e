"""Every page in headless Chromium: it loads without an exception box, its main interaction works, and a
screenshot of it lands in artifacts/screenshots/ for the course notes and for reviewers.

Widgets are found by the `st-key-<key>` class Streamlit gives every keyed element, so these tests use
the same keys as the AppTest tests. A page that does not exist yet is skipped, saying so.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LESSONS = ("autoencoder", "vae", "gan", "diffusion", "rnn", "embeddings", "seq2seq")
LOAD_MS = 120_000  # a page's first run loads data and pretrained models while other tests share the cores
CHANGE_MS = 60_000  # how long a click may take to show its effect
MAX_SHOT_PIXELS = 8000  # screenshots are cut at this height


# ---- reading the page ------------------------------------------------------------------------

def wait_for_app(page: Page) -> None:
    """Until the script has run to the end: no 'Running…' status widget."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=LOAD_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=LOAD_MS)


def assert_no_exception(page: Page) -> None:
    boxes = page.get_by_test_id("stException")
    assert boxes.count() == 0, f"the page shows an exception:\n{boxes.first.inner_text()}"


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=LOAD_MS)  # every page starts with a title
    wait_for_app(page)
    assert_no_exception(page)


def screenshot(page: Page, name: str) -> None:
    """The whole page: the main area scrolls inside the window, so grow the window to its height first."""
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(max(height, 1000), MAX_SHOT_PIXELS)})
    page.wait_for_timeout(500)  # charts re-lay themselves out
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def wait_until(page: Page, condition: Callable[[], bool], what: str, timeout_ms: int = CHANGE_MS) -> None:
    """Poll `condition` while the browser keeps working; fail saying `what` did not happen."""
    for _ in range(timeout_ms // 250):
        if condition():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} within {timeout_ms / 1000:.0f} s")


def keyed(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key}")


def metric_value(scope: Locator, label: str) -> str:
    """The value shown by the training panel's metric `label` (the newest, while a rerun redraws it)."""
    metric = scope.get_by_test_id("stMetric").filter(
        has=scope.page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(rf"^\s*{label}\s*$")))
    return metric.last.get_by_test_id("stMetricValue").inner_text()


def step_counter(scope: Locator) -> int:
    return int(metric_value(scope, "Step").replace(",", ""))


CHART_DATA_JS = """charts => charts.map(chart => {
    const layout = chart.layout || {};
    const words = [JSON.stringify(layout.title || ''), JSON.stringify((layout.yaxis || {}).title || ''),
                   ...(chart.data || []).map(trace => trace.name || '')].join(' ').toLowerCase();
    const values = axis => (axis && axis.bdata) ? axis.bdata : Array.from(axis || []).join(',');  // base64 or list
    const data = (chart.data || []).map(trace => values(trace.x) + ':' + values(trace.y));
    return {isLoss: words.includes('loss'), data: data.join(';')};
})"""


def loss_charts(scope: Locator) -> list[str]:
    """The data of each loss chart in `scope` (charts whose title, axis or traces say loss)."""
    return [chart["data"] for chart in scope.locator(".js-plotly-plot").evaluate_all(CHART_DATA_JS)
            if chart["isLoss"]]


def loss_chart(scope: Locator) -> str:
    """The first loss chart's data, once Plotly (loaded lazily by the frontend) has drawn it."""
    wait_until(scope.page, lambda: bool(loss_charts(scope)), "no loss chart appeared next to the training panel")
    return loss_charts(scope)[0]


# ---- the main interaction of each page -------------------------------------------------------

def train_and_watch(page: Page, prefix: str) -> None:
    """⏭ step then ▶ play: the step counter and the loss chart must move, then ⏸ pause stops them.

    Every page opens on the section that holds its training panel (the only section drawn)."""
    scope = page.get_by_test_id("stMain")
    expect(keyed(page, f"{prefix}_play")).to_be_visible()
    steps, chart = step_counter(scope), loss_chart(scope)
    keyed(page, f"{prefix}_step").get_by_role("button").click()
    wait_until(page, lambda: step_counter(scope) > steps, "⏭ step did not advance the step counter")
    wait_for_app(page)
    after_step = step_counter(scope)
    keyed(page, f"{prefix}_play").get_by_role("button").click()
    wait_until(page, lambda: step_counter(scope) > after_step, "▶ play did not advance the step counter")
    keyed(page, f"{prefix}_pause").get_by_role("button").click()
    wait_until(page, lambda: metric_value(scope, "State") == "paused", "⏸ pause did not stop training")
    wait_for_app(page)
    assert loss_chart(scope) != chart, "the loss chart did not change while training"
    paused = step_counter(scope)
    page.wait_for_timeout(1500)
    assert step_counter(scope) == paused, "training went on after ⏸ pause"


def type_words(page: Page, words: dict[str, str]) -> None:
    """Each word in its box, Enter, and its answer back (the address keeps it) before the next word: a check
    that waited only for the page to be idle could look before the Enter's run had even started."""
    for key, word in words.items():
        box = keyed(page, key).get_by_role("textbox")
        box.fill(word)
        box.press("Enter")
        expect(page).to_have_url(re.compile(rf"[?&]{re.escape(key)}={re.escape(word)}(&|$)"))
        wait_for_app(page)


def embeddings(page: Page) -> None:
    """Type an analogy (paris − france + italy) and see the answer (rome); an unknown word gets a message."""
    type_words(page, {"emb_analogy_0": "paris", "emb_analogy_1": "france", "emb_analogy_2": "italy"})
    answer = page.get_by_test_id("stAlertContentSuccess").first
    expect(answer).to_contain_text("paris − france + italy ≈ rome", timeout=CHANGE_MS)
    type_words(page, {"emb_analogy_0": "qwzxv"})
    expect(page.get_by_test_id("stAlertContentWarning").first).to_contain_text("qwzxv", timeout=CHANGE_MS)


def decoded_image(page: Page) -> str:
    """The address of the decoder's picture: Streamlit names media files by their content."""
    return page.get_by_test_id("stImage").filter(has_text="decoder(z)").locator("img").get_attribute("src")


def vae(page: Page) -> None:
    """Move the first latent slider with the keyboard, as a student dragging it would, and see the digit change."""
    before = decoded_image(page)
    slider = keyed(page, "vae_z0")
    shown = slider.get_by_test_id("stSliderThumbValue")
    value = shown.inner_text()
    slider.get_by_role("slider").focus()
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    wait_until(page, lambda: shown.inner_text() != value, "the z1 slider did not move")
    wait_until(page, lambda: decoded_image(page) != before, "the decoded image did not change with z1")
    wait_for_app(page)


INTERACTIONS: dict[str, Callable[[Page], None]] = {
    "autoencoder": lambda page: train_and_watch(page, "ae"),
    "vae": vae,
    "gan": lambda page: train_and_watch(page, "gan"),
    "rnn": lambda page: train_and_watch(page, "rnn"),
    "embeddings": embeddings,
    "seq2seq": lambda page: train_and_watch(page, "s2s"),
    "diffusion": lambda page: train_and_watch(page, "diffusion"),
}


def existing_lessons() -> list[str]:
    return [name for name in LESSONS if (ROOT / "pages" / f"{name}.py").exists()]


def test_a_deep_link_to_a_just_started_server_goes_through_app_py(fresh_server, page):
    """A server restarts and the class's browsers reconnect on /<lesson>: each must still get app.py's shell."""
    if not existing_lessons():
        pytest.skip("deep-link test SKIPPED: no lesson page exists yet")
    open_page(page, f"{fresh_server.url}/{existing_lessons()[0]}")
    expect(keyed(page, "seed")).to_be_visible()  # the sidebar that app.py draws
    expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text("widgets")


def test_home_page_in_browser(server, page):
    open_page(page, server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deep-learning playground")
    expect(keyed(page, "seed")).to_be_visible()
    expect(page.get_by_test_id("stPageLink").filter(has_text="Open ")).to_have_count(len(existing_lessons()))
    screenshot(page, "home")


@pytest.mark.parametrize("name", LESSONS)
def test_page_works_in_browser(server, page, name):
    if name not in existing_lessons():
        pytest.skip(f"browser test SKIPPED: pages/{name}.py does not exist yet")
    open_page(page, f"{server.url}/{name}")
    expect(keyed(page, "seed")).to_be_visible()  # served through app.py, sidebar and all
    INTERACTIONS[name](page)
    assert_no_exception(page)
    screenshot(page, name)


SPANISH_TITLES = {"gan": "⚔️ Entrenador de GAN"}  # lessons checked in Spanish, by their Spanish title


@pytest.fixture
def spanish_page(browser):
    """A fresh browser context that asks for Spanish (es-ES), as a student's Spanish browser does."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="es-ES")
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", SPANISH_TITLES)
def test_page_in_spanish_in_browser(server, spanish_page, name):
    """A Spanish browser gets the lesson in Spanish, sidebar and all, without an exception."""
    open_page(spanish_page, f"{server.url}/{name}")
    expect(spanish_page.get_by_role("heading", level=1)).to_have_text(SPANISH_TITLES[name], timeout=30_000)
    expect(keyed(spanish_page, "seed")).to_contain_text("Semilla aleatoria", timeout=30_000)  # a busy server's sidebar
    assert_no_exception(spanish_page)
    screenshot(spanish_page, f"{name}-es")
