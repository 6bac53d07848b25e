"""A real `streamlit run app.py` server on a free loopback port, and headless Debian Chromium.

AppTest runs page scripts without the frontend: no websocket, no fragment timers, no
concurrent sessions. The tests in this folder use the app the way students do, through
the server. The browser is the system Chromium (`apt-get install chromium`) driven by
Playwright with `executable_path`, so nothing is downloaded; without it the tests marked
`browser` are skipped, and the reason is printed in pytest's warnings summary.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SKIP_REASON = (f"browser tests SKIPPED: {CHROMIUM} is missing "
               "(install it with `apt-get install chromium chromium-driver`; .ci/run does)")
SERVER_START_SECONDS = 90  # it answers in a few seconds; the margin is for a busy 2-core CI machine
SERVER_THREADS = "1"  # PLAYGROUND_THREADS: one torch thread per server, as on a shared class server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every `browser` test, saying why, when the system Chromium is not installed."""
    if CHROMIUM.exists():
        return
    skipped = [item for item in items if item.get_closest_marker("browser")]
    for item in skipped:
        item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    if skipped:
        warnings.warn(f"{len(skipped)} {SKIP_REASON}", pytest.PytestWarning, stacklevel=1)


@dataclass(frozen=True)
class Server:
    """A running Streamlit server: where it answers, its process, and its log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def rss_megabytes(self) -> float:
        """Resident memory of the server process, read from /proc (psutil is not a dependency)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # the line reads "VmRSS:   123456 kB"
        raise RuntimeError("no VmRSS line in /proc/<pid>/status")

    def health_seconds(self, timeout: float = 10.0) -> float:
        """Seconds until /_stcore/health answers 200 (raises if it does not within `timeout`)."""
        start = time.perf_counter()
        with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=timeout) as response:
            assert response.status == 200, f"health endpoint answered {response.status}"
        return time.perf_counter() - start

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it), so parallel test workers never clash."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(name: str, env: dict[str, str] | None = None) -> Server:
    """`streamlit run app.py` as deployed (.streamlit/config.toml applies), its output in artifacts/<name>.log;
    `env` adds to its environment."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    env = {**os.environ, "PLAYGROUND_THREADS": SERVER_THREADS, **(env or {})}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            server.health_seconds(timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"streamlit did not answer within {SERVER_START_SECONDS} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextmanager
def running_server(name: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start_server(name, env)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """One server per test module, stopped when the module's tests are done."""
    with running_server(request.module.__name__) as running:
        yield running


@pytest.fixture
def fresh_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A server of this test's own, for what happens when a server has just started (or restarted)."""
    with running_server(request.node.name) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium, shared by the module's tests (each test opens its own context)."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies, own Streamlit session) with one tab."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()
