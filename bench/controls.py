"""Family 8, controls: what a student feels in Chromium, each control's latency and the live refresh rate.

A real `streamlit run app.py` server (as configured in .streamlit/config.toml) and headless
system Chromium, driven by Playwright with `executable_path` (nothing is downloaded), at 1280×800.
For a control, the page listens for the student's input event (a capture listener, so the time
starts when the click or key reaches the page) and then looks every animation frame for its
effect on screen: the decoded image's address, a chart's data, a text. The median over REPEATS
moves is the control's latency; goal < 300 ms. The live rate is how often the training panel's
Step counter changes per second while ▶ Play is on, one student on the server; goal ≥ 1.8/s.

It also runs against an older checkout whose pages were tabs (a section is clicked as a tab
there), which is how the "before" figures of bench/RESULTS.md were taken:
`python -m bench.controls [ROOT] [--set runner.postScriptGC=true]` prints one JSON line.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from bench.table import Goal, Row

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
REPEATS = 5  # moves per control
LIVE_SECONDS = 10.0  # playing time per live rate
LATENCY_GOAL_MS, RATE_GOAL = 300.0, 1.8
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EFFECT_TIMEOUT_MS = 20_000
SERVER_START_SECONDS = 90

# A control's effect, as a string that changes when the effect is on screen. `target` is a CSS selector;
# only elements the student can see count (a hidden tab's copies do not). A chart counts as changed when Plotly
# holds a new data array for it (each array gets a serial number): serialising the data itself on every
# animation frame took up to 50 ms a frame on the VAE's manifold, slowing the very redraw being timed.
SIGNATURE_JS = """target => {
    const serials = window.__serials = window.__serials || new WeakMap();
    const serial = data => {
        if (!serials.has(data)) serials.set(data, window.__serial = (window.__serial || 0) + 1);
        return serials.get(data);
    };
    const title = plot => JSON.stringify((plot.layout || {}).title || '');
    const found = target.startsWith('chart:')
        ? [...document.querySelectorAll('.js-plotly-plot')].filter(plot => title(plot).includes(target.slice(6)))
        : [...document.querySelectorAll(target)];
    return found.filter(e => e.checkVisibility()).map(e => {
        const plot = e.matches('.js-plotly-plot') ? e : e.querySelector('.js-plotly-plot');
        const images = [...e.querySelectorAll('img')].map(i => i.src).join(' ');
        return (plot && plot.data ? `data ${serial(plot.data)} ` : '') + images + e.innerText;
    }).join('|');
}"""
WATCH_JS = """([target, event, timeout]) => {
    const signature = """ + SIGNATURE_JS + """;
    const before = signature(target);
    let start = null;
    document.addEventListener(event, () => { start = start ?? performance.now(); }, {capture: true, once: true});
    window.__effect = new Promise(resolve => {
        const look = () => {
            if (start !== null && signature(target) !== before) resolve(performance.now() - start);
            else requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
        setTimeout(() => resolve(-1), timeout);
    });
}"""
COUNT_CHANGES_JS = """([seconds]) => new Promise(resolve => {
    const value = () => [...document.querySelectorAll('[data-testid="stMetric"]')]
        .filter(m => m.checkVisibility())
        .filter(m => m.querySelector('[data-testid="stMetricLabel"]').innerText.trim() === 'Step')
        .map(m => m.querySelector('[data-testid="stMetricValue"]').innerText)[0];
    let last = value(), changes = 0;
    const look = () => { const now = value(); if (now !== last) { changes += 1; last = now; } };
    const timer = setInterval(look, 10);
    setTimeout(() => { clearInterval(timer); resolve(changes / seconds); }, seconds * 1000);
})"""


def keyed(key: str) -> str:
    return f".st-key-{key}"


@dataclass(frozen=True)
class Move:
    """One thing a student does: `how` (click, key, select, radio, type) on the widget `key`."""

    how: str
    key: str
    value: str = ""


@dataclass(frozen=True)
class Control:
    page: str
    section: str
    name: str  # what the student does and what answers, e.g. "z₁ slider → decoded image"
    moves: tuple[Move, ...]  # repeated in turn, each with a visible effect
    effect: str  # what changes: a CSS selector, or "chart:" and words of a chart's title
    before: tuple[Move, ...] = ()  # done before every timed move, not timed


STEP = '[data-testid="stMetric"]'  # every visible metric: the panel's Step among them
CONTROLS = (
    Control("autoencoder", "Train", "⏭ Step → counters and charts", (Move("click", "ae_step"),), STEP),
    Control("autoencoder", "Train", "↺ Reset → back to step 0", (Move("click", "ae_reset"),), STEP,
            before=(Move("click", "ae_step"),)),
    Control("autoencoder", "Train", "latent size k → a new model's reconstructions",
            (Move("key", "ae_latent_dim", "ArrowRight"), Move("key", "ae_latent_dim", "ArrowLeft")),
            keyed("ae_live_grid")),  # the map is a latent pad (a canvas): the grid shows the new model
    Control("autoencoder", "Anomalies", "worst-image count → grid", (Move("key", "ae_worst_count", "ArrowRight"),
                                                                    Move("key", "ae_worst_count", "ArrowLeft")),
            "chart:the worst reconstructed"),
    Control("autoencoder", "Linear AE = PCA", "⏭ Step → angle", (Move("click", "ae_pca_step"),), STEP),
    Control("vae", "Explorer", "z₁ slider → decoded image", (Move("key", "vae_z0", "ArrowRight"),
                                                            Move("key", "vae_z0", "ArrowLeft")),
            '[data-testid="stImage"]'),
    Control("vae", "Latent map", "grid N → manifold", (Move("key", "vae_grid_n", "ArrowRight"),
                                                      Move("key", "vae_grid_n", "ArrowLeft")),
            keyed("vae_map_overlaid")),
    Control("vae", "Interpolation", "images → strip", (Move("key", "vae_interp_steps", "ArrowRight"),
                                                      Move("key", "vae_interp_steps", "ArrowLeft")),
            '[data-testid="stImage"]'),
    Control("vae", "Sampling", "🎲 draw again → samples", (Move("click", "vae_resample"),), keyed("vae_samples")),
    Control("vae", "Train", "⏭ Step → counters and charts", (Move("click", "vae_step"),), STEP),
    Control("gan", "2-D game", "preset → a fresh game", (Move("select", "gan_preset", "mode collapse"),
                                                         Move("select", "gan_preset", "it works")),
            STEP, before=(Move("click", "gan_step"),)),
    Control("gan", "2-D game", "train D only → the plane", (Move("click", "gan_train_d"),), keyed("gan_plane")),
    Control("gan", "2-D game", "⏭ Step → counters and charts", (Move("click", "gan_step"),), STEP),
    Control("gan", "2-D game", "↺ Reset → back to step 0", (Move("click", "gan_reset"),), STEP,
            before=(Move("click", "gan_step"),)),
    Control("gan", "Digits (DCGAN, conditional GAN)", "digit y → row of samples",
            (Move("key", "gan_digit", "ArrowRight"), Move("key", "gan_digit", "ArrowLeft")), keyed("gan_digit_row")),
    Control("rnn", "Train", "⏭ Step → counters and charts", (Move("click", "rnn_step"),), STEP),
    Control("rnn", "Train", "cell → forecast", (Move("radio", "rnn_forecast_cell", "GRU"),
                                                Move("radio", "rnn_forecast_cell", "LSTM")),
            keyed("rnn_forecast_chart")),
    Control("rnn", "Vanishing gradient", "window T → gradient norms", (Move("key", "rnn_window", "ArrowRight"),
                                                                      Move("key", "rnn_window", "ArrowLeft")),
            keyed("rnn_gradients")),
    Control("embeddings", "Analogies", "a word + Enter → answer", (Move("type", "emb_analogy_2", "girl"),
                                                                  Move("type", "emb_analogy_2", "woman")),
            '[data-testid="stAlertContentSuccess"]'),
    Control("embeddings", "Analogies", "method → answers", (Move("radio", "emb_analogy_method", "3CosMul"),
                                                            Move("radio", "emb_analogy_method", "3CosAdd")),
            keyed("emb_analogy_chart")),
    Control("embeddings", "Projection", "preset → map",
            (Move("select", "emb_projection_preset", "country – capital"),
             Move("select", "emb_projection_preset", "male – female")),
            keyed("emb_projection_chart")),
    Control("embeddings", "Train your own", "⏭ Step → counters and chart", (Move("click", "emb_w2v_step"),), STEP),
    Control("seq2seq", "Train", "⏭ Step → counters and race", (Move("click", "s2s_step"),), STEP),
    Control("diffusion", "Learn to denoise", "⏭ Step → counters and charts", (Move("click", "diffusion_step"),), STEP),
)
LIVE = (  # page, section, key prefix of its panel, what to switch on first
    ("autoencoder", "Train", "ae", ()),
    ("autoencoder", "Linear AE = PCA", "ae_pca", ()),
    ("vae", "Train", "vae", ()),
    ("gan", "2-D game", "gan", ()),
    ("gan", "2-D game", "gan", (Move("toggle", "gan_show_mapping"), Move("toggle", "gan_show_arrows"))),
    ("gan", "Digits (DCGAN, conditional GAN)", "gan_image", ()),
    ("rnn", "Train", "rnn", ()),
    ("rnn", "Train", "rnn", (Move("task", "rnn_task", "Long memory"),)),
    ("embeddings", "Train your own", "emb_w2v", ()),
    ("seq2seq", "Train", "s2s", ()),
    ("diffusion", "Learn to denoise", "diffusion", ()),
)


# ---- the server and the browser -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(root: Path, settings: tuple[str, ...] = ()) -> Iterator[str]:
    """`streamlit run app.py` in `root` with its own config plus `settings` (e.g. runner.postScriptGC=false)."""
    port = free_port()
    flags = [f"--{setting}" for setting in settings]
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", *flags]
    env = {**os.environ, "PLAYGROUND_THREADS": os.environ.get("PLAYGROUND_THREADS", "1")}
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the streamlit server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def settle(page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_timeout(300)  # a rerun the last event queued starts within this
    page.wait_for_selector(IDLE, timeout=120_000)


def show(page, prefix: str, section: str) -> None:
    """Open a section: a button of the page's section picker, or (in a checkout with tabs) the tab of that name."""
    page.locator(f'{keyed(f"{prefix}_section")} [role="radio"], [role="tab"]').first.wait_for()  # drawn yet?
    picker = page.locator(keyed(f"{prefix}_section")).get_by_role("radio", name=section, exact=True)
    tab = page.get_by_role("tab", name=section, exact=True)
    if picker.count():
        picker.click()
        page.locator(keyed(f"{prefix}_section")).locator('[aria-checked="true"]', has_text=section).wait_for()
    elif tab.count():
        tab.click()
        page.locator('[role="tab"][aria-selected="true"]', has_text=section).wait_for()
    settle(page)


def prefix_of(page_name: str) -> str:
    return {"autoencoder": "ae", "embeddings": "emb", "seq2seq": "s2s"}.get(page_name, page_name)


def do(page, move: Move) -> str:
    """Perform a move; returns the DOM event that marks its start."""
    widget = page.locator(keyed(move.key)).filter(visible=True).first
    if move.how == "click":
        widget.get_by_role("button").click()
        return "pointerdown"
    if move.how == "key":
        widget.get_by_role("slider").press(move.value)
        return "keydown"
    if move.how == "radio":
        widget.get_by_text(move.value, exact=True).click()
        return "pointerdown"
    if move.how == "task":
        widget.get_by_role("radio", name=move.value, exact=True).click()
        return "pointerdown"
    if move.how == "toggle":
        widget.locator("label").first.click()
        return "pointerdown"
    if move.how == "select":
        page.get_by_role("option", name=move.value, exact=True).click()
        return "pointerdown"
    if move.how == "type":
        widget.get_by_role("textbox").press("Enter")
        return "keydown"
    raise ValueError(f"unknown move {move.how!r}")


def prepare(page, move: Move) -> None:
    """What comes before the timed input: focus, open a dropdown, type the word."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    widget = page.locator(keyed(move.key)).filter(visible=True).first
    if move.how == "key":
        widget.get_by_role("slider").focus()
    elif move.how == "select":
        option = page.get_by_role("option", name=move.value, exact=True)
        for _ in range(5):  # a rerun that lands while the list opens closes it again
            widget.get_by_role("combobox").click()
            try:
                option.wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
                settle(page)
    elif move.how == "type":
        widget.get_by_role("textbox").fill(move.value)


def timed(page, move: Move, effect: str) -> float:
    """Milliseconds from the move's input event to its effect on screen (−1: nothing changed in time)."""
    prepare(page, move)
    event = {"click": "pointerdown", "radio": "pointerdown", "select": "pointerdown", "key": "keydown",
             "type": "keydown"}[move.how]
    page.evaluate(WATCH_JS, [effect, event, EFFECT_TIMEOUT_MS])
    do(page, move)
    latency = page.evaluate("window.__effect")
    settle(page)
    return latency


def control_latencies(chromium, url: str, controls: tuple[Control, ...], repeats: int) -> dict[str, list[float]]:
    results = {}
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(120_000)
    opened = None
    for control in controls:
        name = f"{control.page} · {control.section}: {control.name}"
        try:
            results[name] = latencies(page, url, control, repeats, control.page != opened)
            opened = control.page
        except Exception as error:  # noqa: BLE001 - one control that fails is reported, the others still run
            results[name] = failed(page, control.page, error)
            opened = None  # reload the page for the next control
    context.close()
    return results


def latencies(page, url: str, control: Control, repeats: int, open_page: bool) -> list[float]:
    """The control's latency for each of `repeats` moves (after one that warms caches), in milliseconds."""
    if open_page:
        page.goto(f"{url}/{control.page}")
        settle(page)
    show(page, prefix_of(control.page), control.section)
    samples = []
    for index in range(repeats + 1):
        for move in control.before:
            prepare(page, move)
            do(page, move)
            settle(page)
        samples.append(timed(page, control.moves[index % len(control.moves)], control.effect))
    return samples[1:]


def failed(page, name: str, error: Exception) -> list:
    """No samples; the error on stderr and a screenshot in artifacts/ of what the browser showed."""
    print(f"bench.controls: {name}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=ROOT / "artifacts" / f"bench-controls-{name}.png", full_page=True)
    return []


def live_rates(chromium, url: str, live: tuple, seconds: float) -> dict[str, float]:
    rates = {}
    for page_name, section, prefix, switches in live:
        context = chromium.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(120_000)
        name = f"{page_name} · {section}" + "".join(f" + {move.value or move.key}" for move in switches)
        try:
            rates[name] = live_rate(page, url, page_name, section, prefix, switches, seconds)
        except Exception as error:  # noqa: BLE001 - reported as a missing rate, the others still run
            rates[name] = failed(page, f"{page_name}-live", error) or None
        context.close()
    return rates


def live_rate(page, url: str, page_name: str, section: str, prefix: str, switches: tuple[Move, ...],
              seconds: float) -> float:
    """Changes of the Step counter per second while ▶ Play is on."""
    page.goto(f"{url}/{page_name}")
    settle(page)
    show(page, prefix_of(page_name), section)
    for move in switches:
        do(page, move)
        settle(page)
    page.locator(keyed(f"{prefix}_play")).filter(visible=True).get_by_role("button").click()
    page.wait_for_timeout(1500)  # the first slices warm up
    rate = page.evaluate(COUNT_CHANGES_JS, [seconds])
    page.locator(keyed(f"{prefix}_pause")).filter(visible=True).get_by_role("button").click()
    settle(page)
    return rate


def run(root: Path, settings: tuple[str, ...] = (), repeats: int = REPEATS, seconds: float = LIVE_SECONDS,
        pages: tuple[str, ...] | None = None) -> dict:
    """Every control's latencies and every live rate (of `pages`, default all) on a server of `root`."""
    controls = tuple(control for control in CONTROLS if pages is None or control.page in pages)
    live = tuple(entry for entry in LIVE if pages is None or entry[0] in pages)
    with server(root, settings) as url, browser() as chromium:
        return {"latencies_ms": control_latencies(chromium, url, controls, repeats),
                "live_per_second": live_rates(chromium, url, live, seconds)}


# ---- the family ------------------------------------------------------------------------------

def measure(device: torch.device) -> list[Row]:
    if not CHROMIUM.exists():
        return [Row("controls: SKIPPED", f"{CHROMIUM} is missing (apt-get install chromium)")]
    results = run(ROOT)
    rows = []
    for name, samples in results["latencies_ms"].items():
        answered = [sample for sample in samples if sample >= 0]
        median = statistics.median(answered) if answered else "FAILED (see stderr)"
        note = "" if rows else (
            f"Chromium at 1280×800 against `streamlit run app.py`, one student; from the input event to its effect "
            f"on screen, median of {REPEATS} moves (the first move, which fills caches, is not counted)")
        missed = len(samples) - len(answered)
        if missed:
            note = f"{note} {missed} of {len(samples)} moves showed no effect in {EFFECT_TIMEOUT_MS // 1000} s".strip()
        rows.append(Row(f"control: {name}", median, "ms", goal=Goal("<", LATENCY_GOAL_MS, on="ours"), note=note,
                        extra={"samples_ms": samples}))
    for index, (name, rate) in enumerate(results["live_per_second"].items()):
        note = "" if index else (f"changes of the Step counter per second over {LIVE_SECONDS:.0f} s of ▶ Play, "
                                 "one student on the server (after 1.5 s of warm-up)")
        rows.append(Row(f"live updates: {name}", "FAILED (see stderr)" if rate is None else rate, "/s",
                        goal=Goal("≥", RATE_GOAL, on="ours"), note=note))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=str(ROOT), help="the checkout whose app.py is served")
    parser.add_argument("--set", action="append", default=[], help="a streamlit option, e.g. runner.postScriptGC=false")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--seconds", type=float, default=LIVE_SECONDS)
    parser.add_argument("--pages", nargs="+", help="only these pages (default: every page)")
    args = parser.parse_args()
    pages = tuple(args.pages) if args.pages else None
    print(json.dumps(run(Path(args.root), tuple(args.set), args.repeats, args.seconds, pages), ensure_ascii=False))


if __name__ == "__main__":
    main()
