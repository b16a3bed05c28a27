"""The app as deployed under gunicorn (gunicorn.conf.py): a slow client cannot stall it, and a
long download (a year of records) is not cut half-way by the worker timeout.

Both were true of gunicorn's default sync workers: a worker serves one request at a time, so
four clients sending their bodies slowly held every worker, and a worker busy with one long
response for more than ``timeout`` seconds was killed by the master.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest

from .browser.conftest import BIN, DEMO_PASSWORD, ROOT, LiveServer
from .dbutil import fresh_database, suite_database_url


@pytest.fixture
def server(tmp_path, prepared_database):
    with fresh_database(suite_database_url(str(tmp_path)), str(tmp_path), copy_of=prepared_database) as url:
        live = LiveServer(url, tmp_path)
        yield live
        live.stop()


def _signed_in_cookie(server) -> str:
    """Sign the demo coordinator in through the form; the session cookie."""
    import re

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "username": "coordination", "password": DEMO_PASSWORD})
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    connection.close()
    return response.getheader("Set-Cookie").split(";")[0]


def test_four_slow_bodies_do_not_stall_the_app(server):
    server.start()
    slow = []
    for _ in range(4):  # each sends half of a 100 KB sign-in form (read before anything else), then waits
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: 100000\r\n\r\nusername=" + b"a" * 50_000)
        slow.append(client)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        assert response.status == 200
        assert time.monotonic() - started < 1.0
    finally:
        for client in slow:
            client.close()


def _add_records(server, count: int) -> None:
    """``count`` more records of the demo advisor of Tadine, written through the record core."""
    import random
    import uuid
    from datetime import datetime, timedelta, timezone

    import sqlalchemy as sa

    from pcn_pwa import create_app
    from pcn_pwa.accompaniments import store
    from pcn_pwa.accompaniments.judge import Reference, judge
    from pcn_pwa.extensions import db
    from pcn_pwa.models import User

    from .records_data import record

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.database_url, "SECRET_KEY": "t"})
    with app.app_context():
        clean = judge(record(occurred_at="2025-06-02T09:41:00+11:00"), Reference.load()).clean
        advisor = db.session.scalar(sa.select(User).where(User.role == "advisor", User.agency_code == "TADINE"))
        writer, rng = store.Writer(advisor), random.Random(1)
        start = datetime(2025, 2, 1, tzinfo=timezone.utc)
        for _ in range(count):
            moment = start + timedelta(minutes=rng.randrange(300 * 24 * 60))
            writer.create({**clean, "occurred_at": moment}, uuid.UUID(int=rng.getrandbits(128), version=4))
        writer.flush()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.timeout(400)
def test_a_long_download_is_not_cut_by_the_worker_timeout(server, tmp_path):
    """The worker timeout set to 1 s; a workbook of 5,000 records takes longer than that to
    make and send. A sync worker is killed half-way (the client gets a cut connection)."""
    from openpyxl import load_workbook

    _add_records(server, 5_000)
    server.start_args = ["--timeout", "1"]
    server.start()
    cookie = _signed_in_cookie(server)
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    connection.request("GET", "/api/v1/exports/accompaniments.xlsx?from=2025-01-01", headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    took = time.monotonic() - started
    assert response.status == 200
    assert took > 1, f"the download took {took:.1f} s: not longer than the worker timeout, the test proves nothing"
    path = tmp_path / "records.xlsx"
    path.write_bytes(body)
    workbook = load_workbook(path, read_only=True)
    # The streamed sheet declares no dimension (its size is unknown when its first rows leave),
    # so its rows are counted as a reader meets them: the header, the demo records and ours.
    rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert rows > 5_001


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads worker states from Linux's /proc")
def test_workers_die_with_their_master_and_free_the_port(tmp_path, prepared_database):
    """A master killed with SIGKILL (no graceful stop) takes its workers with it at once
    (gunicorn.conf.py's post_fork). Before, they noticed only at their next loop, then finished
    what was in flight holding the port: 1.6 s with one slow request here, and a restart failed."""
    with fresh_database(suite_database_url(str(tmp_path)), str(tmp_path), copy_of=prepared_database) as url:
        server = LiveServer(url, tmp_path)
        server.start()
        try:
            workers = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(server.proc.pid)],
                                                          capture_output=True, text=True).stdout.split()]
            assert len(workers) == 2
            in_flight = socket.create_connection(("127.0.0.1", server.port))
            in_flight.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              b"Content-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 1000\r\n\r\nusername=")
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
            deadline = time.monotonic() + 1
            while (any(map(_running, workers)) or not _port_free(server.port)) and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    in_flight.sendall(b"a")  # the request is still being sent
                time.sleep(0.05)
            assert [pid for pid in workers if _running(pid)] == []
            assert _port_free(server.port)
            in_flight.close()
            server.proc = None
            server.start()  # the restart on the same port, at once
        finally:
            for pid in workers:
                if _running(pid):
                    os.kill(pid, signal.SIGKILL)
            server.stop()
