"""`make class`'s pieces without starting anything: HAProxy's configuration, the checks before a launch."""

import shutil
import subprocess

import pytest

from deploy import balancer
from deploy.balancer import REPLICA_COOKIE, haproxy_config
from deploy.classroom import class_servers

SERVERS = ["127.0.0.1:8601", "127.0.0.1:8602", "10.0.0.2:8601"]


def test_every_replica_is_a_checked_server_with_its_own_cookie():
    config = haproxy_config(SERVERS, "0.0.0.0", 8501)
    assert "bind 0.0.0.0:8501" in config
    for index, server in enumerate(SERVERS, 1):
        assert f"server replica{index} {server} check cookie replica{index}" in config
    assert f"cookie {REPLICA_COOKIE} insert indirect nocache" in config  # sticky by cookie, not by IP
    assert "balance source" not in config and "hash-type" not in config
    assert "option httpchk GET /_stcore/health" in config
    assert "timeout tunnel" in config  # websockets stay open for the lesson


def test_haproxy_accepts_the_configuration(tmp_path):
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if haproxy is None:
        pytest.skip("HAProxy is not installed (apt-get install haproxy; .ci/run does)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(SERVERS, "127.0.0.1", 8501))
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_missing_haproxy_is_named_with_the_command_that_installs_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match="apt-get install haproxy"):
        balancer.find_haproxy()


@pytest.mark.parametrize(("remote", "secret", "says"), [
    (["10.0.0.2:8601"], None, "cookie secret"),
    (["http://10.0.0.2:8601"], "s" * 64, "host:port"),
    ([], None, "at least one replica"),
])
def test_class_servers_refuse_what_cannot_work_before_starting_anything(remote, secret, says):
    with pytest.raises(ValueError, match=says):
        with class_servers([], 8501, remote=remote, cookie_secret=secret):
            pass
