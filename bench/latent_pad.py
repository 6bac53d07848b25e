"""Family: the latent pad, pointer to pixels in headless Chromium, beside today's slider.

Launches `streamlit run app.py` and opens the VAE page in Debian's Chromium (Playwright with
`executable_path`; nothing is downloaded). Then:

- ours: a scripted drag of MOVES pointer moves over the explorer's latent pad, paced like a 60 Hz
  mouse. The pad's own hook (ui/components/latent_pad.js) counts the frames it drew and, for each,
  the time from the newest pointer event to the next animation frame after its image was drawn (the
  frame that puts it on screen). Websocket frames both ways are counted during the drag: the pad
  must not ask the server anything while the pointer moves.
- reference: today's path, the z1 slider dragged and released; the time from the release (a pointerup
  listener in the page) to the next frame after the new decoder(z) image has loaded, RELEASES times.

The same run also times the GAN page's noise walk (a conditional DCGAN: transposed convolutions in
JavaScript), dragging its t slider. Goals (issue 15): ≥ 30 frames/s, p95 ≤ 33 ms, 0 messages per move.
"""

import math
import time
from pathlib import Path

import numpy as np
import torch

from bench.app_start import launch, stop
from bench.table import Goal, Row

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
MOVES = 100
MOVE_SECONDS = 1 / 60  # a mouse reports about 60 times a second
RELEASES = 10
LOAD_MS = 180_000
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WATCH_IMAGE_JS = """() => {  // window.release: ms from the next pointerup to the frame after decoder(z)'s new image loaded
    const image = () => [...document.querySelectorAll('[data-testid="stImage"]')]
        .find(box => box.innerText.includes('decoder(z)'))?.querySelector('img');
    const before = image().src;
    window.release = new Promise(resolve => document.addEventListener('pointerup', () => {
        const released = performance.now();
        const poll = () => {
            const now = image();
            if (now && now.src !== before && now.complete) requestAnimationFrame(shown => resolve(shown - released));
            else setTimeout(poll, 2);
        };
        poll();
    }, {capture: true, once: true}));
}"""


def wait_for_app(page) -> None:
    page.wait_for_selector(READY, timeout=LOAD_MS)


def ready_pad(page, key: str):
    """The pad's root element (in its shadow root: Playwright's CSS pierces it), once it holds its decoder."""
    pad = page.locator(f".st-key-{key} .latent-pad")
    pad.wait_for(timeout=LOAD_MS)
    deadline = time.monotonic() + LOAD_MS / 1000
    while not pad.evaluate("el => el.pad.ready()"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the pad {key} got no decoder")
        page.wait_for_timeout(100)
    pad.scroll_into_view_if_needed()
    return pad


def paced_drag(page, points: list[tuple[float, float]], frames: list[str]) -> int:
    """Press at the first point, move through the rest at MOVE_SECONDS apart, release; websocket frames meanwhile."""
    page.mouse.move(*points[0])
    page.mouse.down()
    before, start = len(frames), time.perf_counter()
    for index, point in enumerate(points[1:], start=1):
        time.sleep(max(0.0, start + index * MOVE_SECONDS - time.perf_counter()))
        page.mouse.move(*point)
    page.wait_for_timeout(100)  # the last frames land
    during = len(frames) - before
    page.mouse.up()
    return during


def drag_figures(pad, page, points, frames) -> dict:
    pad.evaluate("el => el.pad.resetStats()")
    messages = paced_drag(page, points, frames)
    stats = pad.evaluate("el => el.pad.stats()")
    seconds = (stats["lastFrame"] - stats["firstEvent"]) / 1000
    latencies = np.array(stats["latencies"])
    return {"frames": stats["frames"], "fps": stats["frames"] / seconds, "events_per_second": stats["events"] / seconds,
            "p95": float(np.percentile(latencies, 95)),
            "median": float(np.median(latencies)), "decode": float(np.median(stats["decodeMs"])),
            "messages": messages, "latencies": latencies.tolist()}


def on_the_vae_pad(page, frames: list[str]) -> dict:
    pad = ready_pad(page, "vae_pad")
    box = pad.locator("canvas.overlay").bounding_box()
    cx, cy, radius = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] / 3
    circle = [(cx + radius * math.cos(2 * math.pi * i / MOVES), cy + radius * math.sin(2 * math.pi * i / MOVES))
              for i in range(MOVES + 1)]
    return drag_figures(pad, page, circle, frames)


def on_the_gan_walk(page, frames: list[str]) -> dict:
    page.get_by_text("Digits (DCGAN, conditional GAN)").first.click()
    pad = ready_pad(page, "gan_walk")
    box = pad.locator("input[type=range]").bounding_box()
    y, left, width = box["y"] + box["height"] / 2, box["x"] + 6, box["width"] - 12
    there_and_back = [(left + width * abs(1 - 2 * i / MOVES), y) for i in range(MOVES + 1)]
    return drag_figures(pad, page, there_and_back, frames)


def slider_releases(page) -> list[float]:
    """Today's explorer: drag the z1 slider from 40 % of its track to 60 % (then back), release, wait for the
    new image; ms per release."""
    slider = page.locator(".st-key-vae_z0")
    times = []
    for index in range(RELEASES):
        wait_for_app(page)
        track = slider.locator('[role="group"] > div').first.bounding_box()  # react-aria's track (Streamlit 1.67)
        y = track["y"] + track["height"] / 2
        start, end = (0.4, 0.6) if index % 2 == 0 else (0.6, 0.4)
        page.evaluate(WATCH_IMAGE_JS)
        page.mouse.move(track["x"] + start * track["width"], y)
        page.mouse.down()
        page.mouse.move(track["x"] + end * track["width"], y, steps=5)
        page.mouse.up()
        times.append(float(page.evaluate("() => window.release")))
    return times


def measure(device: torch.device) -> list[Row]:
    if not CHROMIUM.exists():
        return [Row("latent pad", f"skipped: {CHROMIUM} is missing (apt-get install chromium)")]
    from playwright.sync_api import sync_playwright

    server, address, _seconds = launch()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            frames: list[str] = []
            page.on("websocket", lambda socket: (socket.on("framesent", lambda _: frames.append("sent")),
                                                 socket.on("framereceived", lambda _: frames.append("received"))))
            page.goto(f"{address}/vae")
            wait_for_app(page)
            vae = on_the_vae_pad(page, frames)
            slider = slider_releases(page)
            page.goto(f"{address}/gan")
            wait_for_app(page)
            gan = on_the_gan_walk(page, frames)
            browser.close()
    finally:
        stop(server)
    return rows(vae, gan, np.array(slider))


def rows(vae: dict, gan: dict, slider: np.ndarray) -> list[Row]:
    today = float(np.median(slider))
    pad_note = (f"headless Chromium (no display: frames come when there is something to draw), CPU only; {MOVES} "
                f"pointer moves (Playwright's mouse, 1/60 s apart at most; they arrived at {vae['events_per_second']:.0f}"
                f"/s) in a circle over the VAE explorer's pad: the pretrained MNIST VAE's dense decoder in JavaScript, "
                f"{vae['decode']:.2f} ms a decode (median). Pointer → pixels: from the pointer event's timestamp to the "
                f"animation frame after its image was drawn, median {vae['median']:.1f} ms. Reference: today's slider, "
                f"release → the new decoder(z) image on screen (median of {len(slider)})")
    gan_note = (f"the GAN page's noise walk: its t slider dragged through {MOVES} moves (they arrived at "
                f"{gan['events_per_second']:.0f}/s), each frame running the pretrained conditional DCGAN (8×8: linear, "
                f"two transposed convolutions) in JavaScript in {gan['decode']:.2f} ms (median); pointer → pixels "
                f"median {gan['median']:.1f} ms")
    return [
        Row("latent pad: frames drawn during a drag", vae["fps"], "frames/s", goal=Goal("≥", 30, on="ours"),
            note=pad_note, extra={"vae": vae}),
        Row("latent pad: pointer → pixels, p95", vae["p95"], "ms", today, "slider release → image", goal=Goal(
            "≤", 33, on="ours")),
        Row("latent pad: server messages during the drag", float(vae["messages"]), "msgs", goal=Goal("≤", 0, on="ours")),
        Row("latent pad, GAN walk: frames drawn", gan["fps"], "frames/s", goal=Goal("≥", 30, on="ours"), note=gan_note,
            extra={"gan": gan}),
        Row("latent pad, GAN walk: pointer → pixels, p95", gan["p95"], "ms", goal=Goal("≤", 33, on="ours")),
        Row("VAE slider today: release → image, median", today, "ms", note=(
            f"p95 {np.percentile(slider, 95):.0f} ms: the fragment rerun (decode, PNG, 8 sliders), the websocket "
            "round trip and the image's fetch"), extra={"slider_ms": slider.tolist()}),
    ]
