"""Pages that keep their place, in headless Chromium at a laptop's 1280×800 and a projector's 1280×720.

- ▶/⏸ cycles on every section with a training panel: the section stays chosen, the page keeps one title and
  one section picker (no stale copy above the title), no element is left stale. The suite runs CYCLES = 10
  cycles per section, which takes minutes on 2 shared cores; `PLAYGROUND_PLAY_CYCLES=50` runs the 50 of the issue.
- Every section of every page: each chart has something to draw (a WebGL canvas is not blank), the console
  never says that WebGL contexts ran out, no formula is wider than its column, no exception.
- Screenshots of every section at both sizes land in artifacts/screenshots/, and each section's result (and its
  ▶ button) is inside the window without scrolling.
"""

import io
import os
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_pages_in_browser import assert_no_exception, metric_value, open_page, wait_for_app

pytestmark = pytest.mark.browser

CYCLES = int(os.environ.get("PLAYGROUND_PLAY_CYCLES", "10"))
SIZES = ((1280, 800), (1280, 720))
SHOTS = ARTIFACTS / "screenshots"
PREFIXES = {"autoencoder": "ae", "vae": "vae", "gan": "gan", "rnn": "rnn", "embeddings": "emb", "seq2seq": "s2s",
            "diffusion": "diffusion"}
# The latent pads' maps: the AE's Plotly map (ae_live_latent) is only a fallback for a browser that cannot decode.
AE_MAP, VAE_MAP = '[class~="st-key-ae_pad"] .map', '[class~="st-key-vae_pad"] .map'
RESULTS = {  # page: {section: what must be in view without scrolling}
    "autoencoder": {"Train": ("ae_play", "ae_live_grid", "ae_live_curves", AE_MAP),
                    "Linear AE = PCA": ("ae_pca_play", "ae_pca_space", "ae_pca_angle"),
                    "Anomalies": ("ae_worst", "ae_errors"), "Few labels": ('[data-testid="stMetric"]',)},
    "vae": {"Explorer": (VAE_MAP, '[data-testid="stImage"]'), "Latent map": ("vae_map_overlaid",),
            "Interpolation": ('[data-testid="stImage"]',), "Sampling": ("vae_samples",),
            "AE vs VAE": ("vae_compare_vae_mnist_2d",), "Train": ("vae_play", "vae_curves", "vae_live_grid")},
    "gan": {"2-D game": ("gan_play", "gan_plane", "gan_losses"),
            "Digits (DCGAN, conditional GAN)": ("gan_image_play", "gan_image_samples", "gan_image_losses")},
    "rnn": {"Train": ("rnn_play", "rnn_forecast_chart", "rnn_forecast_loss"), "Vanishing gradient": ("rnn_gradients",),
            "Hidden state": ("rnn_heatmap",), "Data": ("rnn_data_chart",)},
    "embeddings": {"Analogies": ('[data-testid="stAlertContentSuccess"]', "emb_analogy_chart"),
                   "Neighbours & similarity": ("emb_neighbours_chart",), "Projection": ("emb_projection_chart",),
                   "One-hot vs dense": ("emb_one_hot_map", "emb_dense_map"), "Benchmarks": ('[data-testid="stMetric"]',),
                   "Train your own": ("emb_w2v_play", "emb_w2v_loss")},
    "seq2seq": {"Train": ("s2s_play", "s2s_race"), "Greedy vs beam search": ("s2s_beam_attention",),
                "Scores: exact match, BLEU, chrF": ('[data-testid="stMetric"]',), "Data": ('[data-testid="stDataFrame"]',)},
    "diffusion": {"Learn to denoise": ("diffusion_play", "diffusion_curves"),
                  "Forward process": ("diffusion_forward_figure",)},
}
LIVE = [(page, section, results[0].removesuffix("_play"))
        for page, sections in RESULTS.items() for section, results in sections.items() if results[0].endswith("_play")]
WEBGL_TROUBLE = re.compile(r"too many active webgl contexts|context lost|webgl.*not supported", re.I)
FORMULA_SLACK_PX = 4  # KaTeX's own rounding
SETTLE_MS = 15_000  # how long a live fragment's last refresh may take to land after ⏸ on 2 shared cores


# ---- the page --------------------------------------------------------------------------------

def keyed(key: str) -> str:
    """The CSS class Streamlit gives an element drawn with `key`."""
    return f".st-key-{key}"


def show(page: Page, prefix: str, section: str) -> None:
    picker = page.locator(keyed(f"{prefix}_section"))
    picker.get_by_role("radio", name=section, exact=True).click()
    expect(picker.locator('[aria-checked="true"]')).to_have_text(section)
    wait_for_app(page)


def located(page: Page, target: str):
    return page.locator(target if target.startswith("[") else keyed(target)).filter(visible=True).first


def assert_in_view(page: Page, target: str, where: str) -> None:
    box = located(page, target).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None, f"{where}: {target} is not on the page"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, \
        f"{where}: {target} spans y = {box['y']:.0f}…{box['y'] + box['height']:.0f}, the window ends at {height}"


def assert_charts_drawn(page: Page, where: str) -> None:
    """Every visible chart has data, and every WebGL canvas in one shows more than a blank background."""
    charts = page.locator(".js-plotly-plot").filter(visible=True)
    for index in range(charts.count()):
        chart = charts.nth(index)
        traces = chart.evaluate("plot => (plot._fullData || []).length")
        assert traces > 0, f"{where}: chart {index} has no traces"
        canvases = chart.locator("canvas").filter(visible=True)
        for canvas in (canvases.nth(i) for i in range(canvases.count())):
            box = canvas.bounding_box()
            if box and box["width"] > 20 and box["height"] > 20:
                pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))
                assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 5, f"{where}: chart {index} draws nothing"


def assert_formulas_fit(page: Page, where: str) -> None:
    too_wide = page.locator(".katex-display").filter(visible=True).evaluate_all(
        f"all => all.filter(k => k.scrollWidth > k.clientWidth + {FORMULA_SLACK_PX})"
        ".map(k => k.scrollWidth + ' > ' + k.clientWidth + ': ' + k.textContent.slice(0, 50))")
    assert not too_wide, f"{where}: formulas wider than their column: {too_wide}"


def settle(page: Page) -> None:
    """Until no element is stale, or SETTLE_MS: after ⏸ the script has stopped, but under load a live fragment's
    last refresh can still be landing. Elements that stay stale are left for `place` to report."""
    try:
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=SETTLE_MS)
    except PlaywrightTimeout:
        pass


def place(page: Page, prefix: str) -> dict:
    """Where the page stands: its chosen section, how many titles and pickers, elements left stale, open expanders."""
    return page.evaluate("""prefix => ({
        section: document.querySelector(`.st-key-${prefix}_section [aria-checked="true"]`)?.innerText,
        titles: document.querySelectorAll('h1').length,
        pickers: document.querySelectorAll(`.st-key-${prefix}_section`).length,
        pickerBelowTitle: document.querySelector(`.st-key-${prefix}_section`).getBoundingClientRect().top
                          > document.querySelector('h1').getBoundingClientRect().top,
        stale: [...document.querySelectorAll('[data-stale="true"]')].map(e => e.dataset.testid + ' '
                + ([...e.classList].find(c => c.startsWith('st-key-')) || '')),
        expanders: [...document.querySelectorAll('details')].map(d => d.open),
    })""", prefix)


def play_and_pause(page: Page, panel: str) -> None:
    """▶, at least one live refresh, ⏸, and the page settled."""
    located(page, f"{panel}_play").get_by_role("button").click()
    expect(located(page, f"{panel}_pause").get_by_role("button")).to_be_enabled()
    page.wait_for_timeout(700)  # at least one live refresh
    located(page, f"{panel}_pause").get_by_role("button").click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
                           ".some(v => v.innerText === 'paused')")
    wait_for_app(page)
    settle(page)


# ---- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "section", "panel"), LIVE, ids=[f"{page}-{section}" for page, section, _ in LIVE])
def test_the_section_keeps_its_place_through_play_pause_cycles(server, browser, name, section, panel):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(60_000)
    page = context.new_page()
    prefix = PREFIXES[name]
    open_page(page, f"{server.url}/{name}")
    show(page, prefix, section)
    play_and_pause(page, panel)  # a first slice on a cold server builds the page's caches: not a cycle to judge
    before = place(page, prefix)
    assert before["section"] == section and before["titles"] == before["pickers"] == 1
    for cycle in range(CYCLES):
        play_and_pause(page, panel)
        now = place(page, prefix)
        assert now == before, f"cycle {cycle + 1} of {CYCLES}: the page moved from {before} to {now}"
    assert metric_value(page.get_by_test_id("stMain"), "State") == "paused"
    assert_no_exception(page)
    context.close()


@pytest.mark.parametrize("name", list(RESULTS))
def test_every_section_draws_and_shows_its_result_at_laptop_and_projector_sizes(server, browser, name):
    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    context.set_default_timeout(120_000)
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    open_page(page, f"{server.url}/{name}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for section, results in RESULTS[name].items():
            where = f"{name} · {section} at {width}×{height}"
            show(page, PREFIXES[name], section)
            page.wait_for_timeout(500)  # charts lay themselves out
            assert_no_exception(page)
            page.screenshot(path=SHOTS / f"{name}-{section.split()[0].lower()}-{width}x{height}.png")
            for target in results:
                assert_in_view(page, target, where)
            assert_charts_drawn(page, where)
            assert_formulas_fit(page, where)
    assert not [text for text in console if WEBGL_TROUBLE.search(text)], console
    context.close()


def test_presentation_mode_folds_the_sidebar_and_keeps_the_address(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    open_page(page, f"{server.url}/vae?present=1")
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # Streamlit 1.67's mark
    expect(page.locator("html")).to_have_css("font-size", "20px")  # waits: the style can land after the script
    assert_in_view(page, '[data-testid="stImage"]', "vae in presentation mode")
    page.screenshot(path=SHOTS / "vae-explorer-1280x720-present.png")
    show(page, "vae", "Train")
    assert "present=1" in page.url
    assert_in_view(page, "vae_play", "vae · Train in presentation mode")
    page.screenshot(path=SHOTS / "vae-train-1280x720-present.png")
    context.close()
