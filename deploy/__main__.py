"""`python -m deploy`: serve a class from one address (`make class`), or replicas for another machine's balancer.

    make class                                # one replica per core behind HAProxy, http://<this machine>:8501
    make class REPLICAS=3 CLASS_PORT=8080
    # a class on several machines: one cookie secret everywhere
    export PLAYGROUND_COOKIE_SECRET=<64 hex digits, e.g. from `openssl rand -hex 32`>
    make replicas                             # on each other machine: replicas on 0.0.0.0:8601, 8602, …
    make class REMOTE="10.0.0.2:8601 10.0.0.2:8602"   # on the machine students open

It runs until Ctrl-C (or SIGTERM) and stops everything it started.
"""

import argparse
import os
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from deploy.balancer import find_haproxy
from deploy.classroom import class_servers, cores, new_cookie_secret, running_replicas

SECRET_VARIABLE = "PLAYGROUND_COOKIE_SECRET"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=cores(), help="replicas on this machine (default: its cores)")
    parser.add_argument("--port", type=int, default=8501, help="the class's port, where the balancer listens")
    parser.add_argument("--address", default="0.0.0.0",
                        help="where students (or, with --replicas-only, the balancer) reach this machine")
    parser.add_argument("--first-replica-port", type=int, default=8601, help="replicas use this port and the next")
    parser.add_argument("--remote", nargs="*", default=[], metavar="HOST:PORT",
                        help=f"replicas on other machines, started by `make replicas` with the same ${SECRET_VARIABLE}")
    parser.add_argument("--replicas-only", action="store_true",
                        help="no balancer here: replicas for a balancer on another machine")
    return parser.parse_args(argv)


def stop_on_sigterm() -> None:
    """SIGTERM ends the program as Ctrl-C does, so every `with` block stops what it started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def wait(processes: list) -> None:
    """Until Ctrl-C, SIGTERM, or one of the processes stops by itself (then say so)."""
    while True:
        stopped = [process for process in processes if process.poll() is not None]
        if stopped:
            sys.exit(f"a server stopped by itself (exit code {stopped[0].returncode}); stopping the others")
        time.sleep(1)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    secret = os.environ.get(SECRET_VARIABLE)
    if (args.replicas_only or args.remote) and not secret:
        sys.exit(f"Replicas on several machines must share one cookie secret: set {SECRET_VARIABLE} to the same "
                 "value on each (e.g. `export PLAYGROUND_COOKIE_SECRET=$(openssl rand -hex 32)`).")
    if not args.replicas_only:
        try:
            find_haproxy()
        except RuntimeError as missing:
            sys.exit(str(missing))
    stop_on_sigterm()
    ports = range(args.first_replica_port, args.first_replica_port + args.replicas)
    logs = Path(tempfile.mkdtemp(prefix="playground-class-"))
    with ExitStack() as stack:
        if args.replicas_only:
            replicas, watched = stack.enter_context(running_replicas(ports, args.address, secret, logs)), []
            print(f"{len(replicas)} replicas on {args.address}, ports {ports.start}–{ports.stop - 1}; logs in {logs}. "
                  "Give their host:port to `make class REMOTE=…` on the balancer's machine. Ctrl-C stops them.")
        else:
            servers = stack.enter_context(class_servers(ports, args.port, args.address, args.remote,
                                                        secret or new_cookie_secret(), logs))
            replicas, watched = servers.replicas, [servers.balancer]
            print(f"Class at http://<this machine's address>:{args.port} ({servers.url} here): {len(replicas)} "
                  f"replicas here, {len(args.remote)} elsewhere; logs in {logs}. Ctrl-C stops the class.")
        wait([replica.process for replica in replicas] + watched)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
    except (ValueError, RuntimeError) as error:  # a wrong option, a server that would not start: said plainly
        sys.exit(str(error))
