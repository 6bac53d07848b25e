"""One replica of the app: a `streamlit run app.py` process on a port, its log, its health and memory."""

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 90  # a replica answers within seconds; the margin is for a busy 2-core machine
CPU_THREADS = "1"  # PLAYGROUND_THREADS: one torch thread per process, one process per core
PR_SET_PDEATHSIG = 1  # from Linux's <sys/prctl.h>: the signal a process gets when its parent dies


@dataclass(frozen=True)
class Replica:
    """A running Streamlit server: where it answers, its process, and its log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def rss_megabytes(self, field: str = "VmRSS") -> float:
        """Resident memory of the server process (VmHWM: its peak), read from /proc (psutil is not a dependency)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024  # the line reads "VmRSS:   123456 kB"
        raise RuntimeError(f"no {field} line in /proc/<pid>/status")

    def reset_peak(self) -> float:
        """Restart the server's peak memory (VmHWM) from its current RSS, which it returns."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        return self.rss_megabytes()

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, user and system, read from /proc/<pid>/stat."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14, 15

    def health_seconds(self, timeout: float = 10.0) -> float:
        """Seconds until /_stcore/health answers 200 (raises if it does not within `timeout`)."""
        return health_seconds(self.url, timeout)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def health_seconds(url: str, timeout: float = 10.0) -> float:
    """Seconds until `url`/_stcore/health answers 200 (raises if it does not within `timeout`)."""
    start = time.perf_counter()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
        if response.status != 200:
            raise OSError(f"health endpoint answered {response.status}")
    return time.perf_counter() - start


def start_replica(port: int, log: Path, address: str = "127.0.0.1", cookie_secret: str | None = None,
                  script: str = "app.py", env: dict[str, str] | None = None) -> Replica:
    """Launch `streamlit run <script>` as deployed (.streamlit/config.toml applies); `wait_until_healthy` waits for it.

    The cookie secret travels in the environment, not on the command line that `ps` shows to every user.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PLAYGROUND_THREADS": os.environ.get("PLAYGROUND_THREADS", CPU_THREADS), **(env or {})}
    if cookie_secret is not None:
        env["STREAMLIT_SERVER_COOKIE_SECRET"] = cookie_secret
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
               "--server.headless", "true", "--server.address", address]
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   preexec_fn=stop_with_parent)
    return Replica(f"http://{'127.0.0.1' if address == '0.0.0.0' else address}:{port}", process, log)


def wait_until_healthy(replica: Replica) -> None:
    """Return once the replica answers its health check; raise, with its log's tail, if it exits or never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {replica.process.returncode}:\n{replica.log_tail()}")
        try:
            replica.health_seconds(timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {START_SECONDS} s:\n{replica.log_tail()}")


def stop(process: subprocess.Popen) -> None:
    """Terminate, then kill if it has not stopped within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_with_parent() -> None:
    """In the child before it starts (Linux): the kernel sends it SIGTERM when its parent dies, however it dies,
    so no replica or balancer outlives the launcher, test or bench that started it."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
