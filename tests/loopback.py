"""A real HTTP server on 127.0.0.1 that records every request, for hostile-server tests:
each test says how it answers (a status, headers and a body per request)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder:
    def __init__(self, answer):
        """`answer(method, path, headers, body) -> (status, headers dict, body bytes)`."""
        self.requests: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append({"method": self.command, "path": self.path,
                                          "headers": dict(self.headers.items()), "body": body})
                status, headers, out = answer(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Recorder":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def saw(self, text: str) -> bool:
        """Whether `text` reached this server anywhere: path, a header or the body."""
        return any(text in r["path"] or text in str(r["headers"]) or text.encode() in r["body"]
                   for r in self.requests)


def not_found(method, path, headers, body):
    return 404, {"Content-Type": "application/json"}, b'{"error": "not here"}'
