"""Real `streamlit run app.py` servers on free loopback ports (alone, or a class behind HAProxy), and
headless Debian Chromium.

AppTest runs page scripts without the frontend: no websocket, no fragment timers, no
concurrent sessions. The tests in this folder use the app the way students do, through
the server. The browser is the system Chromium (`apt-get install chromium`) driven by
Playwright with `executable_path`, so nothing is downloaded; without it the tests marked
`browser` are skipped, and the reason is printed in pytest's warnings summary. The class
servers need HAProxy (`apt-get install haproxy`); without it their tests are skipped the same way.
"""

import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deploy.balancer import INSTALL_HINT, find_haproxy
from deploy.classroom import ClassServers, class_servers
from deploy.replicas import Replica as Server
from deploy.replicas import start_replica, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SKIP_REASON = (f"browser tests SKIPPED: {CHROMIUM} is missing "
               "(install it with `apt-get install chromium chromium-driver`; .ci/run does)")
CLASS_REPLICAS = 2  # behind the balancer, as `make class` starts on a 2-core machine
EXPECT_MS = 30_000  # how long an assertion waits for the page: a rerun can take seconds while two test
expect.set_options(timeout=EXPECT_MS)  # workers share 2 cores; an assertion that holds returns at once


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every `browser` test, saying why, when the system Chromium is not installed."""
    if CHROMIUM.exists():
        return
    skipped = [item for item in items if item.get_closest_marker("browser")]
    for item in skipped:
        item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    if skipped:
        warnings.warn(f"{len(skipped)} {SKIP_REASON}", pytest.PytestWarning, stacklevel=1)


def free_port() -> int:
    """A loopback port nobody listens on (the OS picks it), so parallel test workers never clash."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(name: str, script: str = "app.py", env: dict[str, str] | None = None) -> Iterator[Server]:
    """`streamlit run <script>` (app.py: as deployed; .streamlit/config.toml applies), its output in
    artifacts/<name>.log; `env` adds to its environment."""
    server = start_replica(free_port(), ARTIFACTS / f"streamlit-{name}.log", script=script, env=env)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop(server.process)


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
def class_servers_here(request: pytest.FixtureRequest) -> Iterator[ClassServers]:
    """A class as `make class` serves it, on loopback: replicas behind HAProxy, stopped after the module."""
    try:
        find_haproxy()
    except RuntimeError:
        warnings.warn(f"class tests SKIPPED: {INSTALL_HINT}", pytest.PytestWarning, stacklevel=1)
        pytest.skip(f"class tests SKIPPED: {INSTALL_HINT}")
    ports = [free_port() for _ in range(CLASS_REPLICAS)]
    with class_servers(ports, free_port(), logs=ARTIFACTS / f"class-{request.module.__name__}") as servers:
        yield servers


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
