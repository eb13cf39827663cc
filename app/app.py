"""The lesson's demo web app, in one file, configured only by environment variables.

GET /         an HTML page with the app's version and that version's message
GET /healthz  200 while the process serves (the Deployment's readiness probe)
GET /error    answers 500, then the process exits with an error, so you can watch Kubernetes restart it

On SIGTERM (what the kubelet sends a pod it stops) it keeps answering for SHUTDOWN_DELAY seconds, the time the
Service takes to stop sending it requests, then stops accepting, finishes the requests in flight and exits 0.
"""

from __future__ import annotations

import html
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXIT_CODE_ON_ERROR = 1


def page(*, version: str, message: str, pod: str = "") -> str:
    heading = f"<h2>{html.escape(message)}</h2>\n" if message else ""
    served_by = f"<p>Served by pod: <code>{html.escape(pod)}</code></p>\n" if pod else ""
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'><title>first-app</title></head><body>\n"
        "<h1>Hello from this app!</h1>\n"
        f"{heading}"
        f"<p>Version: <strong>{html.escape(version)}</strong></p>\n"
        f"{served_by}"
        "<p>Try sending a request to /error and see what happens</p>\n"
        "</body></html>\n"
    )


def make_server(
    *,
    host: str,
    port: int,
    version: str,
    message: str,
    exit_process: Callable[[int], None] = os._exit,
    pod: str = "",
) -> ThreadingHTTPServer:
    body = page(version=version, message=message, pod=pod).encode()

    class Handler(BaseHTTPRequestHandler):
        server_version = f"first-app/{version}"

        def _send(self, code: int, payload: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-App-Version", version)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def do_GET(self) -> None:
            if self.path == "/":
                self._send(200, body, "text/html; charset=utf-8")
            elif self.path == "/healthz":
                self._send(200, b"ok\n", "text/plain")
            elif self.path == "/error":
                where = f" (pod {pod})" if pod else ""
                self._send(500, f"the app is exiting with an error{where}\n".encode(), "text/plain")
                print(f"GET /error: exiting with code {EXIT_CODE_ON_ERROR}", file=sys.stderr, flush=True)
                # Exit from another thread once this answer is on its way, like a crash after a request.
                threading.Timer(0.1, exit_process, args=(EXIT_CODE_ON_ERROR,)).start()
            else:
                self._send(404, b"not found\n", "text/plain")

        def log_message(self, format: str, *args: object) -> None:
            print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    server = ThreadingHTTPServer((host, port), Handler)
    # ThreadingHTTPServer's request threads are daemons, which server_close() does not wait for: a request in
    # flight at shutdown would be cut off.
    server.daemon_threads = False
    return server


def serve_until_terminated(server: ThreadingHTTPServer, *, drain_seconds: float) -> None:
    """Serve until SIGTERM (or Ctrl-C), then drain: answer for `drain_seconds` more, stop accepting, let the
    requests in flight finish, and return.

    Without a handler, SIGTERM does nothing to a container's PID 1, and the kubelet kills it only after the
    pod's whole grace period (30 s).
    """
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    print(f"SIGTERM: still answering for {drain_seconds:g} s while the Service stops sending requests here",
          file=sys.stderr, flush=True)  # fmt: skip
    time.sleep(drain_seconds)
    server.shutdown()  # no new connections are accepted
    server.server_close()  # waits for the requests in flight
    print("stopped cleanly", file=sys.stderr, flush=True)


def main() -> None:
    version = os.environ.get("APP_VERSION", "0.0.0")
    message = os.environ.get("APP_MESSAGE", "")
    port = int(os.environ.get("PORT", "8080"))
    drain = float(os.environ.get("SHUTDOWN_DELAY", "2"))
    # In a pod, the host name is the pod's name.
    server = make_server(host="0.0.0.0", port=port, version=version, message=message, pod=socket.gethostname())
    print(f"first-app {version} listening on :{port}", file=sys.stderr, flush=True)
    serve_until_terminated(server, drain_seconds=drain)


if __name__ == "__main__":
    main()
