"""The deployment of docs/deploy/: the systemd unit as systemd reads it, and the app under gunicorn
behind nginx with docs/deploy/nginx.conf as documented (PROXY_COUNT=1), TLS left out (the test has
no certificate) and the ports the test's own: tablets are told apart by their own address, not
nginx's, and a slow body stays in nginx.
"""

import getpass
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.parse

import pytest

from .browser.conftest import BIN, ROOT, LiveServer, _free_port
from .dbutil import fresh_database, suite_database_url

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHIPPED = ROOT / "docs" / "deploy" / "nginx.conf"
UNIT = ROOT / "docs" / "deploy" / "pcn.service"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_reads_the_unit_without_a_complaint(tmp_path):
    """Every directive known and well formed (the ExecStart path made one that exists here)."""
    unit = tmp_path / "pcn.service"
    unit.write_text(UNIT.read_text().replace("/srv/pcn/.venv/bin/gunicorn", str(BIN / "gunicorn")))
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
PASSWORD = "mot de passe de test nginx"


def _site_for_test(port: int, upstream: int) -> str:
    """The shipped site on plain HTTP: the TLS server block without its TLS lines, no port-80 redirect."""
    text = SHIPPED.read_text()
    text = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", text, count=1, flags=re.S)
    text = re.sub(r"\n *listen [^\n]*443[^\n]*;", "", text)
    text = re.sub(r"\n *(ssl_certificate\w*|http2) [^\n]*;", "", text)
    text = text.replace("server_name pcn.example.nc;", f"server_name pcn.example.nc;\n    listen 127.0.0.1:{port};")
    return text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, prepared_database):
    """gunicorn (one worker, one thread: nothing to spare) and nginx in front; yields nginx's port.
    The account is made as an admin would, with ``flask users create``."""
    if not os.path.exists(NGINX):
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing: apt-get install nginx-light")
        pytest.skip("nginx is missing: apt-get install nginx-light")
    tmp_path = tmp_path_factory.mktemp("deployed")
    with fresh_database(suite_database_url(str(tmp_path)), str(tmp_path), copy_of=prepared_database) as url:
        server = LiveServer(url, tmp_path)
        server.env["PROXY_COUNT"] = "1"
        done = subprocess.run([BIN / "flask", "users", "create", "agent.kone", "--role", "advisor",
                               "--agency", "KONE"], cwd=ROOT, env=server.env, input=PASSWORD + "\n",
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        server.start_args = ["--workers", "1", "--threads", "1"]
        server.start()
        port = _free_port()
        (tmp_path / "site.conf").write_text(_site_for_test(port, server.port))
        (tmp_path / "nginx.conf").write_text(f"""
            {"user " + getpass.getuser() + ";" if os.geteuid() == 0 else ""}
            pid {tmp_path}/nginx.pid;
            error_log {tmp_path}/nginx-error.log;
            events {{}}
            http {{
                access_log off;
                client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
                fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
                include {tmp_path}/site.conf;
            }}""")
        log = tmp_path / "nginx-start.log"
        with open(log, "wb") as stderr:
            nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                      "-g", "daemon off;"], stderr=stderr)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if nginx.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"nginx did not start: {log.read_text()}")
                    time.sleep(0.05)
            yield port
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            server.stop()


def _sign_in(port: int, source: str, password: str) -> int:
    """The sign-in form, from the address ``source`` (any of 127.0.0.0/8 on Linux)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", "/login")
        response = connection.getresponse()
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode())[1]
        cookie = response.getheader("Set-Cookie").split(";")[0]
        body = urllib.parse.urlencode({"csrf_token": token, "username": "agent.kone", "password": password})
        connection.request("POST", "/login", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_through_nginx_the_tablets_own_address_is_counted(deployed):
    attacker, tablet = "127.0.0.2", "127.0.0.3"
    assert [_sign_in(deployed, attacker, "faux") for _ in range(6)] == [401] * 5 + [429]
    assert _sign_in(deployed, tablet, PASSWORD) == 302


def test_slow_bodies_stay_in_nginx(deployed):
    """gunicorn has one thread here: a slow body that reached it would hold it."""
    slow = []
    for _ in range(2):
        client = socket.create_connection(("127.0.0.1", deployed))
        client.sendall(b"POST /login HTTP/1.1\r\nHost: pcn.example.nc\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: 100000\r\n\r\nusername=" + b"a" * 50_000)
        slow.append(client)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", deployed, timeout=5)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert (response.status, response.read()) == (200, b'{"status":"ok"}\n')
        connection.close()
    finally:
        for client in slow:
            client.close()
