"""A class's servers: local replicas (and any on other machines) behind one HAProxy, started and stopped together."""

import os
import re
import secrets
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.balancer import haproxy_config, start_balancer
from deploy.replicas import Replica, start_replica, stop, wait_until_healthy

HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$")  # a replica elsewhere, e.g. 10.0.0.2:8601


@dataclass(frozen=True)
class ClassServers:
    url: str  # the one address students open
    replicas: list[Replica]  # the ones started here (replicas on other machines are not listed)
    balancer: subprocess.Popen  # HAProxy
    logs: Path  # replicas' logs, HAProxy's configuration and log


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the whole machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def new_cookie_secret() -> str:
    return secrets.token_hex(32)


def local_url(address: str, port: int) -> str:
    return f"http://{'127.0.0.1' if address == '0.0.0.0' else address}:{port}"


@contextmanager
def running_replicas(ports: Sequence[int], address: str, cookie_secret: str, logs: Path) -> Iterator[list[Replica]]:
    """Replicas on `ports`, all launched at once, each awaited; stopped when the block ends."""
    with ExitStack() as stack:
        replicas = []
        for index, port in enumerate(ports, 1):
            replicas.append(start_replica(port, logs / f"replica{index}.log", address, cookie_secret))
            stack.callback(stop, replicas[-1].process)
        for replica in replicas:
            wait_until_healthy(replica)
        yield replicas


@contextmanager
def class_servers(replica_ports: Sequence[int], port: int, address: str = "127.0.0.1",
                  remote: Sequence[str] = (), cookie_secret: str | None = None,
                  logs: Path | None = None) -> Iterator[ClassServers]:
    """Replicas on `replica_ports` of this machine plus the `remote` ones ("host:port"), behind HAProxy on
    `address:port`; everything started here stops when the block ends.

    Every replica must share one cookie secret: a fresh one unless given (replicas on other machines
    were started with it, so it must be given with them).
    """
    wrong = [server for server in remote if not HOST_PORT.match(server)]
    if wrong:
        raise ValueError(f"replicas elsewhere are given as host:port, not {wrong}")
    if remote and cookie_secret is None:
        raise ValueError("replicas on other machines need the cookie secret they were started with")
    if not replica_ports and not remote:
        raise ValueError("a class needs at least one replica, here or elsewhere")
    logs = logs or Path(tempfile.mkdtemp(prefix="playground-class-"))
    with running_replicas(replica_ports, "127.0.0.1", cookie_secret or new_cookie_secret(), logs) as replicas:
        config = logs / "haproxy.cfg"
        config.write_text(haproxy_config([f"127.0.0.1:{p}" for p in replica_ports] + list(remote), address, port))
        url = local_url(address, port)
        balancer = start_balancer(config, url, logs / "haproxy.log")
        try:
            yield ClassServers(url, replicas, balancer, logs)
        finally:
            stop(balancer)
