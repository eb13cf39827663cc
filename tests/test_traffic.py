"""Requests to the app, counted: the summary the labs print, and the loop's own bounds."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rolloutlab.errors import LabError
from rolloutlab.recording import traffic
from rolloutlab.recording.timeline import RequestSample, Timeline


def test_summary_counts_answers_versions_and_errors():
    """Answered and failed requests are counted, versions and errors each with their number, errors in words."""
    answers = [RequestSample(0.1, "1.0.0"), RequestSample(0.2, "1.0.0"), RequestSample(0.3, "latest"),
               RequestSample(0.4, None, "refused"), RequestSample(0.5, None, "ConnectionError"),
               RequestSample(0.6, None, "HTTP 503")]  # fmt: skip
    summary = traffic.summarize(answers)
    assert (summary.answered, summary.failed) == (3, 3)
    assert summary.versions == {"1.0.0": 2, "latest": 1}
    # In words: a code, an older recording's exception name, an HTTP status as is.
    assert str(summary) == ("6 requests: 3 answered, 3 failed; versions: 1.0.0 (2), latest (1); errors: connection "
                            "refused: nothing listens there (1), the connection failed (1), HTTP 503 (1)")  # fmt: skip


def test_an_answer_names_the_pod_its_page_names():
    """The app's page says which pod served it: each answer keeps that name, and the summary counts the pods."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<p>Served by pod: <code>first-app-7df55-x2x9k</code></p>"
            self.send_response(200)
            self.send_header("X-App-Version", "1.0.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = traffic.fetch(f"http://127.0.0.1:{server.server_address[1]}/", origin=0.0)
    finally:
        server.shutdown()
        server.server_close()
    assert (answer.version, answer.pod) == ("1.0.0", "first-app-7df55-x2x9k")
    assert traffic.summarize([answer]).pods == {"first-app-7df55-x2x9k": 1}
    assert str(traffic.summarize([answer])).endswith("; answered by 1 pod")


def test_request_loop_reads_the_version_header_and_sees_failures():
    """The loop reports the X-App-Version of each answer, and a non-200 answer as a failure."""
    codes = iter([200, 200, 500] + [200] * 1000)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(next(codes))
            self.send_header("X-App-Version", "9.9.9")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        loop = traffic.RequestLoop(f"http://127.0.0.1:{server.server_address[1]}", interval=0.01).start()
        threading.Event().wait(0.3)
        answers = loop.stop()
    finally:
        server.shutdown()
        server.server_close()
    summary = traffic.summarize(answers)
    assert summary.failed == 1
    assert summary.errors == {"HTTP 500": 1}
    assert set(summary.versions) == {"9.9.9"}
    assert answers == sorted(answers, key=lambda a: a.t)


def test_timelines_without_requests_still_load():
    """Recordings saved before requests were recorded load with an empty request list."""
    data = Timeline(namespace="n", deployment="d", started_at=0.0).to_dict()
    del data["requests"]
    assert Timeline.from_dict(data).requests == []


def test_a_page_that_answers_a_moment_late_is_read_and_one_that_never_does_is_none():
    """The check's page read tries again for a few seconds (kube-proxy moving a node port after a rollout), then
    gives up with None."""
    import socket
    import time

    from rolloutlab.lab import reading

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<h1>first-app</h1>\n<p>version 1.1.7</p>")

        def log_message(self, *args):
            pass

    with socket.socket() as probe:  # a port that nothing listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), Page, bind_and_activate=False)
    server.allow_reuse_address = True

    def late():
        time.sleep(1.5)
        server.server_bind()
        server.server_activate()
        server.serve_forever()

    threading.Thread(target=late, daemon=True).start()
    try:
        assert reading._page(traffic.AppUrl(url=f"http://127.0.0.1:{port}", via="nodeport")) == "version 1.1.7"
    finally:
        server.shutdown()
        server.server_close()
    started = time.monotonic()
    assert reading._page(traffic.AppUrl(url=f"http://127.0.0.1:{port}", via="nodeport")) is None
    assert time.monotonic() - started >= reading.PAGE_SECONDS


def test_a_crash_call_with_nothing_listening_is_one_line():
    """`lab.crash_app()` where no pod answers says so in a LabError, never as requests' ConnectionError."""
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens on it now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LabError, match=r"nothing answers at .*connection refused"):
        traffic.call_error(f"http://127.0.0.1:{port}")


def test_the_app_address_asks_once_whether_the_nodes_are_the_sandbox(monkeypatch):
    """The app's address is read from the Service at each page read, but whether the nodes are the sandbox's is
    asked once per kubeconfig; another kubeconfig is asked again, and a cluster that is not the sandbox each time."""
    asked: list[tuple[str, ...]] = []

    def answer(*args: str) -> dict:
        asked.append(args)
        if args[:2] == ("get", "service"):
            return {"spec": {"ports": [{"nodePort": 31000}]}}
        return {"items": [{}]}

    monkeypatch.setattr(traffic, "_kubectl_json", answer)
    monkeypatch.setattr(traffic, "_sandbox_kubeconfigs", set())
    monkeypatch.setenv("KUBECONFIG", "/tmp/one")
    assert traffic.app_url().url == "http://127.0.0.1:31000"
    assert traffic.app_url().url == "http://127.0.0.1:31000"
    assert [a[:2] for a in asked] == [("get", "service"), ("get", "nodes"), ("get", "service")]
    monkeypatch.setenv("KUBECONFIG", "/tmp/two")
    traffic.app_url()
    assert [a[:2] for a in asked][-2:] == [("get", "service"), ("get", "nodes")]
