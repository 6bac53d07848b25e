"""The latent pad and the drawing pad in Chromium.

Parity: for every kind of decoder the app sends to a browser, the image the page computes in JavaScript equals
PyTorch's for the same z (largest difference per pixel < 1e-4), and the canvas shows it as `ink` would. On the
VAE page: a drag decodes in the browser with no message to the server, and its release moves the sliders; a
digit drawn with the mouse gets its reconstruction.
"""

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS, running_server
from tests.browser.pad_decoders import DECODERS, built, latent_size
from tests.browser.test_pages_in_browser import CHANGE_MS, keyed, open_page, wait_for_app, wait_until
from tests.test_decoder_export import torch_images

pytestmark = pytest.mark.browser

TOLERANCE = 1e-4  # largest difference per pixel between the browser's image and PyTorch's
CANVAS_JS = """(el, side) => {  // the grey level at the centre of each of side × side image pixels on the canvas
    const canvas = el.querySelector('canvas.image'), step = canvas.width / side;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data, grey = [];
    for (let i = 0; i < side; i++) for (let j = 0; j < side; j++)
        grey.push(data[4 * (Math.floor((i + 0.5) * step) * canvas.width + Math.floor((j + 0.5) * step))]);
    return grey;
}"""


@pytest.fixture(scope="module")
def pads_server():
    with running_server("latent_pad_app", "tests/browser/latent_pad_app.py") as running:
        yield running


def latent_pad(page: Page, key: str) -> Locator:
    """The pad's root element; `el.pad` is its hook (show, image, z, ready, stats)."""
    element = keyed(page, key).locator(".latent-pad")
    wait_until(page, lambda: element.count() == 1 and element.evaluate("el => el.pad.ready()"),
               f"the pad {key} got no decoder")
    return element


def test_every_decoder_runs_in_the_browser_as_in_pytorch(pads_server, page):
    page.goto(pads_server.url)
    wait_for_app(page)
    rng, worst = np.random.default_rng(0), {}
    for key in DECODERS:
        model, label = built(key)
        element = latent_pad(page, key)
        z = (1.5 * rng.standard_normal((3, latent_size(model)))).astype(np.float32)
        for code, expected in zip(z, torch_images(model, z, label)):
            shown = np.array(element.evaluate("(el, z) => el.pad.show(z)", code.tolist()), np.float32)
            worst[key] = max(worst.get(key, 0.0), float(np.abs(shown - expected.ravel()).max()))
        grey = np.array(element.evaluate(CANVAS_JS, expected.shape[-1]))  # the last image, as drawn
        ink = np.trunc(255 * (1 - np.clip(expected.ravel(), 0, 1)))
        assert np.abs(grey - ink).max() <= 1, f"{key}: the canvas does not show the decoded image"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "latent_pad_parity.txt").write_text(
        "".join(f"{key}: {difference:.2e}\n" for key, difference in worst.items()))
    assert max(worst.values()) < TOLERANCE, worst


def test_the_pointer_decodes_the_point_under_it(pads_server, page):
    page.goto(pads_server.url)
    wait_for_app(page)
    element = latent_pad(page, "pretrained-vae-mnist")
    element.scroll_into_view_if_needed()
    box = element.locator("canvas.overlay").bounding_box()
    x, y = element.evaluate("el => el.pad.toCanvas(1.25, -0.75)")  # where z = (1.25, −0.75) is on the map
    page.mouse.move(box["x"] + x - 30, box["y"] + y)
    page.mouse.move(box["x"] + x, box["y"] + y, steps=5)  # hovering decodes: no click needed
    wait_until(page, lambda: np.allclose(element.evaluate("el => el.pad.z()"), [1.25, -0.75], atol=0.02),
               "the pad did not decode the point under the pointer")
    model, _label = built("pretrained-vae-mnist")
    z = np.array(element.evaluate("el => el.pad.z()"), np.float32)
    shown = np.array(element.evaluate("el => el.pad.image()"))
    assert np.abs(shown - torch_images(model, z[None])[0].ravel()).max() < TOLERANCE


def test_the_pads_sliders_decode_the_dimensions_beyond_the_plane(pads_server, page):
    page.goto(pads_server.url)
    wait_for_app(page)
    element = latent_pad(page, "vae-conv-28-k-5")  # a convolutional decoder of a 5-D code: z3, z4, z5 on sliders
    sliders = element.locator("input[type=range]")
    assert sliders.count() == 3
    sliders.nth(0).focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    wait_until(page, lambda: element.evaluate("el => el.pad.z()[2]") > 0.4, "the z3 slider did not move z3")
    z = np.array(element.evaluate("el => el.pad.z()"), np.float32)
    model, _label = built("vae-conv-28-k-5")
    shown = np.array(element.evaluate("el => el.pad.image()"))
    assert np.abs(shown - torch_images(model, z[None])[0].ravel()).max() < TOLERANCE


def test_a_drag_on_the_vae_pad_decodes_without_the_server_and_its_release_moves_the_sliders(server, page):
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append("sent")))
    open_page(page, f"{server.url}/vae")
    element = latent_pad(page, "vae_pad")
    element.scroll_into_view_if_needed()
    box = element.locator("canvas.overlay").bounding_box()
    start = element.evaluate("el => el.pad.stats().frames")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    sent = len(frames)
    for step in range(1, 21):
        page.mouse.move(box["x"] + box["width"] / 2 + 4 * step, box["y"] + box["height"] / 2 - 3 * step)
    wait_until(page, lambda: element.evaluate("el => el.pad.stats().frames") > start + 5, "the drag drew no frames")
    assert len(frames) == sent, "the pad sent messages to the server while the pointer moved"
    z = element.evaluate("el => el.pad.z()")
    page.mouse.up()
    slider = keyed(page, "vae_z0").get_by_test_id("stSliderThumbValue")
    expect(slider).to_have_text(f"{round(z[0] / 0.05) * 0.05:.2f}", timeout=CHANGE_MS)
    wait_for_app(page)


def test_a_digit_drawn_with_the_mouse_is_reconstructed(server, page):
    open_page(page, f"{server.url}/vae")
    canvas = keyed(page, "vae_drawing").locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    strokes = [[(80, 60), (200, 60)], [(200, 60), (120, 240)]]  # a 7, in canvas pixels
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for step in range(1, 11):
            (x0, y0), (x1, y1) = stroke
            page.mouse.move(box["x"] + x0 + (x1 - x0) * step / 10, box["y"] + y0 + (y1 - y0) * step / 10)
        page.mouse.up()
        wait_for_app(page)
    expect(page.get_by_test_id("stImage").filter(has_text="reconstruction")).to_have_count(1, timeout=CHANGE_MS)
    keyed(page, "vae_drawing").get_by_role("button", name="Clear").click()
    expect(page.get_by_test_id("stImage").filter(has_text="reconstruction")).to_have_count(0, timeout=CHANGE_MS)
