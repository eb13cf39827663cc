"""The demo app's routes, served in-process over real HTTP."""

import importlib.util
import threading
from pathlib import Path

import pytest
import requests

from helpers import Output, wait_for
from rolloutlab import process

APP = Path(__file__).resolve().parents[1] / "app" / "app.py"


def load_app():
    spec = importlib.util.spec_from_file_location("first_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def served():
    """The app on a free loopback port, with its process exit recorded instead of performed."""
    app = load_app()
    exits = []
    server = app.make_server(host="127.0.0.1", port=0, version="1.0.0", message="!!! Hola is new version !!!",
                             exit_process=exits.append)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", exits
    server.shutdown()
    server.server_close()


def test_home_page_shows_greeting_version_and_message(served):
    """GET / is an HTML page with the greeting, the version and the version's message."""
    base, _ = served
    response = requests.get(base + "/", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Hello from this app!" in response.text
    assert "1.0.0" in response.text
    assert "!!! Hola is new version !!!" in response.text


def test_healthz_is_ok(served):
    """GET /healthz answers 200 for the readiness probe."""
    base, _ = served
    assert requests.get(base + "/healthz", timeout=5).status_code == 200


def test_error_answers_500_then_exits_with_code_1(served):
    """GET /error answers 500, then asks the process to exit with code 1."""
    base, exits = served
    assert requests.get(base + "/error", timeout=5).status_code == 500
    wait_for(lambda: exits, timeout=5, what="the app to ask for its exit", interval=0.05)
    assert exits == [1]


def test_unknown_path_is_404(served):
    """Other paths are 404, not the home page."""
    base, _ = served
    assert requests.get(base + "/nope", timeout=5).status_code == 404


def test_message_is_escaped():
    """A message is shown as text, never as HTML."""
    page = load_app().page(version="1", message="<script>x</script>")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=1)
    except requests.ConnectionError:
        return False
    return True


def _read_by_server(*, port: int, client: int) -> bool:
    """Whether the server's end of the connection from local port `client` to `port` exists and all that arrived on
    it was read by the app (/proc/net/tcp: ESTABLISHED, receive queue empty)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state, queues = line.split()[1:5]
        if local.endswith(f":{port:04X}") and remote.endswith(f":{client:04X}") and state == "01":
            return int(queues.split(":")[1], 16) == 0
    return False


def test_sigterm_drains_then_exits_cleanly():
    """On SIGTERM the app keeps answering for SHUTDOWN_DELAY, finishes a request in flight, then exits 0."""
    import os
    import signal
    import socket
    import sys
    import time

    port = _free_port()
    env = {**os.environ, "PORT": str(port), "SHUTDOWN_DELAY": "1.5", "APP_VERSION": "1.0.0"}
    proc = process.spawn([sys.executable, str(APP)], env=env, stdout=None, stderr=process.PIPE)
    said = Output(proc.stderr)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(base + "/healthz"), timeout=10, what="the app to start", interval=0.05)
        # A request in flight: the request line is sent and read by the app, the headers' end is not yet.
        in_flight = socket.create_connection(("127.0.0.1", port))
        in_flight.sendall(b"GET / HTTP/1.0\r\n")
        wait_for(lambda: _read_by_server(port=port, client=in_flight.getsockname()[1]), timeout=10,
                 what="the app to read the request line", interval=0.05)  # fmt: skip
        terminated = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        said.wait_for(r"^SIGTERM: still answering", timeout=10)
        assert requests.get(base + "/", timeout=2).status_code == 200, "new requests are answered while draining"
        in_flight.sendall(b"\r\n")
        answer = in_flight.recv(65536).decode()
        assert answer.startswith("HTTP/1.0 200"), answer[:80]
        in_flight.close()
        proc.wait(timeout=10)
        took = time.monotonic() - terminated
        log = said.text(timeout=10)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert 1.5 <= took < 5, f"the app took {took:.1f} s to stop after SIGTERM"
    assert "stopped cleanly" in log


def test_a_students_own_line_reads_back_as_typed():
    """The app escapes the line on its page (`c'est` is sent as `c&#x27;est`); the page is read as a browser shows
    it, so a line with quotes, accents and `& < >` is found exactly as the student typed it."""
    from rolloutlab.lab import judge_app
    from rolloutlab.recording import traffic

    line = """Bonjour, c'est la version de Léa: "5 < 6" & <b>gras</b>"""
    server = load_app().make_server(host="127.0.0.1", port=0, version="1.1.7", message=line, exit_process=print)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        body = traffic.page_text(url)
    finally:
        server.shutdown()
        server.server_close()
    assert line in body
    assert judge_app.page(body, url=url, text=line, version="1.1.7").ok
    assert not judge_app.page(body, url=url, text="another line", version="1.1.7").ok
