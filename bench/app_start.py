"""Family 6, app start: server launch to health check, and each page's first render and rerun.

The server half launches `streamlit run app.py` (headless, on a free loopback port) and
times it until `/_stcore/health` answers. A page only renders when a browser connects,
so the render half uses a proxy free of HTTP and websockets: `AppTest` runs app.py and
then one page through the entry file, in a fresh process per page, so that the first run pays
the imports and each page's first run pays its cached loads (pretrained models, GloVe).
A rerun is what every widget interaction costs. `python -m bench.app_start [PAGE]` is that
fresh process: it prints the render times as one JSON line.
"""

import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import torch

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("autoencoder", "vae", "gan", "rnn", "embeddings", "seq2seq")  # the lesson files app.py routes to
LAUNCHES = 3  # server launches timed (median)
TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch() -> tuple[subprocess.Popen, str, float]:
    """`streamlit run app.py` on a free loopback port: the process, its address, and the seconds until
    `/_stcore/health` answered. Stop it with `stop`."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    start = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - start < TIMEOUT_SECONDS:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return server, f"http://127.0.0.1:{port}", time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.02)
    stop(server)
    raise TimeoutError(f"no health answer within {TIMEOUT_SECONDS} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def seconds_to_health() -> float:
    """Launch the server and wait for its health endpoint; the server is stopped afterwards."""
    server, _address, seconds = launch()
    stop(server)
    return seconds


def render_times(page: str | None) -> dict[str, dict]:
    """First run and rerun (seconds, AppTest) of the home page, then of pages/<page>.py if given."""
    from streamlit.testing.v1 import AppTest

    def timed(app: AppTest) -> float:
        start = time.perf_counter()
        app.run()
        return time.perf_counter() - start

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_SECONDS)
    times = {"home": {"first": timed(app), "rerun": timed(app), "error": _error(app)}}
    if page is not None:
        app.switch_page(f"pages/{page}.py")
        times[page] = {"first": timed(app), "rerun": timed(app), "error": _error(app)}
    return times


def _error(app) -> str:
    return "; ".join(str(e.value)[:200] for e in app.exception)


def in_fresh_process(page: str | None) -> dict[str, dict]:
    """`render_times(page)` in a new Python process: nothing imported, nothing cached."""
    command = [sys.executable, "-m", "bench.app_start", *([page] if page else [])]
    child = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=10 * TIMEOUT_SECONDS, check=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def measure(device: torch.device, launches: int = LAUNCHES) -> list[Row]:
    health = [seconds_to_health() for _ in range(launches)]
    pages = [page for page in PAGES if (ROOT / "pages" / f"{page}.py").exists()]
    runs = {page: in_fresh_process(page) for page in pages} or {None: in_fresh_process(None)}
    home = statistics.median(run["home"]["first"] for run in runs.values())
    up = statistics.median(health)
    rows = [
        Row("app start: launch → /_stcore/health", up, "s", extra={"launches_s": health},
            note=f"median of {launches} launches of `streamlit run app.py`"),
        Row("app start: launch → home rendered", up + home, "s", extra={"runs": runs}, note=(
            "health time + the first AppTest run of app.py in a fresh process (imports included; median of "
            f"{len(runs)} processes): a proxy, free of HTTP and websockets, of the first browser visit")),
    ]
    for page, run in runs.items():
        if page is not None:
            times = run[page]
            rows.append(Row(f"page first render: {page}", times["first"], "s", times["rerun"], "rerun", note=(
                f"raised: {times['error']}" if times["error"] else "" if len(rows) > 2 else
                "AppTest through app.py, each page in its own fresh process right after the home page (so what the "
                "home's thumbnails loaded is in memory, the page's own caches are cold); the rerun is what every "
                "widget interaction costs")))
    return rows


if __name__ == "__main__":
    print(json.dumps(render_times(sys.argv[1] if len(sys.argv) > 1 else None)))
