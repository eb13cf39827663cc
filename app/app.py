"""The lesson's demo web app, in one file, configured only by environment variables.

GET /         an HTML page with the app's version and that version's message
GET /healthz  200 while the process serves (the Deployment's readiness probe)
GET /error    answers 500, then the process exits with an error, so you can watch Kubernetes restart it
"""

from __future__ import annotations

import html
import os
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXIT_CODE_ON_ERROR = 1


def page(*, version: str, message: str) -> str:
    heading = f"<h2>{html.escape(message)}</h2>\n" if message else ""
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'><title>first-app</title></head><body>\n"
        "<h1>Hello from this app!</h1>\n"
        f"{heading}"
        f"<p>Version: <strong>{html.escape(version)}</strong></p>\n"
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
) -> ThreadingHTTPServer:
    body = page(version=version, message=message).encode()

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
                self._send(500, b"the app is exiting with an error\n", "text/plain")
                print(f"GET /error: exiting with code {EXIT_CODE_ON_ERROR}", file=sys.stderr, flush=True)
                # Exit from another thread once this answer is on its way, like a crash after a request.
                threading.Timer(0.1, exit_process, args=(EXIT_CODE_ON_ERROR,)).start()
            else:
                self._send(404, b"not found\n", "text/plain")

        def log_message(self, format: str, *args: object) -> None:
            print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    version = os.environ.get("APP_VERSION", "0.0.0")
    message = os.environ.get("APP_MESSAGE", "")
    port = int(os.environ.get("PORT", "8080"))
    server = make_server(host="0.0.0.0", port=port, version=version, message=message)
    print(f"first-app {version} listening on :{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
