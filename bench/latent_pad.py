"""Family: the latent pad, pointer to pixels in headless Chromium, beside today's slider.

Launches `streamlit run app.py` and opens the VAE page in Debian's Chromium (Playwright with
`executable_path`; nothing is downloaded). Then:

- ours: a drag of MOVES pointer moves over the explorer's latent pad with Playwright's mouse (real
  input, through the browser's input pipeline), at most 60 a second. The pad's own hook
  (ui/components/latent_pad.js) counts the frames it drew and, for each, the time from the newest
  pointer event to the next animation frame after its image was drawn (the frame that puts it on
  screen). Websocket frames both ways are counted during the drag: the pad must not ask the server
  anything while the pointer moves. Each of Playwright's moves waits for the browser's answer, so on
  a busy machine they arrive slower than a real mouse's; the frame rate is therefore also measured
  with MOVES moves made by a timer in the page, IN_PAGE_RATE a second, faster than frames are drawn.
- reference: today's path, the z1 slider dragged and released; the time from the release (a pointerup
  listener in the page) to the next frame after the new decoder(z) image has loaded, RELEASES times.

The same run also times the GAN page's noise walk (a conditional DCGAN: transposed convolutions in
JavaScript), dragging its t slider. Goals (issue 15): ≥ 30 frames/s, p95 ≤ 33 ms, no message while moving.
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
IN_PAGE_RATE = 120  # moves a second of the in-page drag: more than the frames a screen shows
IN_PAGE_DRAG_JS = """(el, [moves, rate]) => new Promise(resolve => {  // the pad's stats after `moves` timed moves
    const overlay = el.querySelector('canvas.overlay'), box = overlay.getBoundingClientRect();
    const type = 'onpointerrawupdate' in window ? 'pointerrawupdate' : 'pointermove';  // what the pad listens to
    el.pad.resetStats();
    let move = 0;
    const timer = setInterval(() => {
        const angle = 2 * Math.PI * move / moves;
        overlay.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerType: 'mouse',
            clientX: box.left + box.width * (0.5 + Math.cos(angle) / 3),
            clientY: box.top + box.height * (0.5 + Math.sin(angle) / 3)}));
        if (++move > moves) {
            clearInterval(timer);
            setTimeout(() => resolve(el.pad.stats()), 100);
        }
    }, 1000 / rate);
})"""
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


def figures(stats: dict, messages: int) -> dict:
    """Frames a second, events a second and latencies from the pad's own counts."""
    seconds = (stats["lastFrame"] - stats["firstEvent"]) / 1000
    latencies = np.array(stats["latencies"])
    return {"frames": stats["frames"], "events": stats["events"], "fps": stats["frames"] / seconds,
            "events_per_second": stats["events"] / seconds,
            "p95": float(np.percentile(latencies, 95)),
            "median": float(np.median(latencies)), "decode": float(np.median(stats["decodeMs"])),
            "messages": messages, "latencies": latencies.tolist()}


def drag_figures(pad, page, points, frames) -> dict:
    pad.evaluate("el => el.pad.resetStats()")
    messages = paced_drag(page, points, frames)
    return figures(pad.evaluate("el => el.pad.stats()"), messages)


def in_page_drag(page) -> dict:
    """MOVES moves made by a timer in the page (the hovering pointer decodes as the dragging one does)."""
    return figures(ready_pad(page, "vae_pad").evaluate(IN_PAGE_DRAG_JS, [MOVES, IN_PAGE_RATE]), 0)


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
            timed = in_page_drag(page)
            slider = slider_releases(page)
            page.goto(f"{address}/gan")
            wait_for_app(page)
            gan = on_the_gan_walk(page, frames)
            browser.close()
    finally:
        stop(server)
    return rows(vae, timed, gan, np.array(slider))


def rows(vae: dict, timed: dict, gan: dict, slider: np.ndarray) -> list[Row]:
    today = float(np.median(slider))
    pad_note = (f"Headless Chromium, CPU only: no screen, so frames are not tied to a 60 Hz refresh (on a screen, add "
                f"up to one refresh, 16.7 ms); "
                f"{MOVES} moves of Playwright's mouse, pressed, in a circle over the VAE explorer's pad (the pretrained "
                f"MNIST VAE's dense decoder in JavaScript: {vae['decode']:.2f} ms a decode, median). Pointer → "
                f"pixels: from the pointer event's timestamp to the animation frame after its image was drawn, median "
                f"{vae['median']:.1f} ms. Reference: today's slider, release → the new decoder(z) image on screen "
                f"(median of {len(slider)})")
    mouse_note = (f"the same drag: Playwright's moves arrived at {vae['events_per_second']:.0f}/s (each waits for the "
                  f"browser's answer; at most 60/s) and the pad drew {vae['frames']} frames for {vae['events']} pointer "
                  "events (moves, press, release): one for each")
    timed_note = (f"{MOVES} moves made by a timer in the page at {IN_PAGE_RATE}/s (they arrived at "
                  f"{timed['events_per_second']:.0f}/s), hovering: more moves than frames, so the pad draws the "
                  f"newest once a frame; pointer → pixels p95 {timed['p95']:.1f} ms")
    gan_note = (f"the GAN page's noise walk: its t slider dragged with Playwright's mouse through {MOVES} moves "
                f"(they arrived at {gan['events_per_second']:.0f}/s), each frame running the pretrained conditional "
                f"DCGAN (8×8: linear, two transposed convolutions) in JavaScript in {gan['decode']:.2f} ms (median); "
                f"pointer → pixels median {gan['median']:.1f} ms")
    return [
        Row("latent pad: pointer → pixels, p95", vae["p95"], "ms", today, "slider release → image",
            goal=Goal("≤", 33, on="ours"), note=pad_note, extra={"mouse": vae}),
        Row("latent pad: frames drawn, mouse drag", vae["fps"], "frames/s", note=mouse_note),
        Row("latent pad: frames drawn, in-page drag", timed["fps"], "frames/s", goal=Goal("≥", 30, on="ours"),
            note=timed_note, extra={"in_page": timed}),
        Row("latent pad: server messages during the drag", float(vae["messages"]), "msgs", goal=Goal("≤", 0, on="ours")),
        Row("latent pad, GAN walk: pointer → pixels, p95", gan["p95"], "ms", goal=Goal("≤", 33, on="ours"),
            note=gan_note, extra={"gan": gan}),
        Row("latent pad, GAN walk: frames drawn, mouse drag", gan["fps"], "frames/s"),
        Row("VAE slider today: release → image, median", today, "ms", note=(
            f"p95 {np.percentile(slider, 95):.0f} ms: the fragment rerun (decode, PNG, 8 sliders), the websocket "
            "round trip and the image's fetch"), extra={"slider_ms": slider.tolist()}),
    ]
