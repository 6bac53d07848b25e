"""HAProxy in front of the replicas: one address, sticky sessions by cookie, websockets passed through."""

import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from deploy.replicas import START_SECONDS, health_seconds, stop_with_parent

REPLICA_COOKIE = "playground_replica"  # names the replica holding this browser's session
INSTALL_HINT = ("HAProxy, the load balancer in front of the replicas, is not installed. On Debian or Ubuntu: "
                "`sudo apt-get install haproxy` (then run `make class` again).")


def haproxy_config(servers: Sequence[str], address: str, port: int) -> str:
    """The configuration for `servers` ("host:port" of each replica) behind `address:port`."""
    backends = "\n".join(f"    server replica{index} {server} check cookie replica{index}"
                         for index, server in enumerate(servers, 1))
    return f"""# Written by `python -m deploy` (make class); every run writes it afresh.
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 4h          # an open websocket is a student's session: it lasts the lesson
    timeout http-request 10s
    option redispatch          # a replica that is down: its students start afresh on another
    retries 2

frontend class
    bind {address}:{port}
    default_backend replicas

backend replicas
    balance leastconn          # a new student joins the replica with the fewest open sessions
    # Sticky sessions: the first answer sets a cookie naming the replica; the browser sends it back with
    # every request (page, websocket, media files, uploads). Students share one public IP, so no IP hash.
    cookie {REPLICA_COOKIE} insert indirect nocache httponly
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server inter 2s fall 3 rise 2
{backends}
"""


def find_haproxy() -> str:
    """The haproxy executable, or a RuntimeError saying how to install it."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")  # not on a user's PATH
    if found is None:
        raise RuntimeError(INSTALL_HINT)
    return found


def start_balancer(config: Path, url: str, log: Path) -> subprocess.Popen:
    """Check `config`, run HAProxy in the foreground of its own process, and return once `url` answers."""
    haproxy = find_haproxy()
    checked = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise RuntimeError(f"HAProxy rejected {config}:\n{checked.stdout}{checked.stderr}")
    with log.open("w") as sink:
        process = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=sink, stderr=subprocess.STDOUT,
                                   preexec_fn=stop_with_parent)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited with code {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            health_seconds(url, timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the balancer at {url} did not answer within {START_SECONDS} s")
