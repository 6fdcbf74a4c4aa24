"""The base of the in-test HTTP servers that play other teams' services on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackServer:
    """A threaded HTTP server that can be stopped (down) and started again on its port."""

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class (subclasses answer their contract)."""
        raise NotImplementedError

    def start(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Go down: connections are refused until ``start()`` again (same port)."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, port: int) -> None:
        """Serve on ``port`` as a process of its own until SIGTERM or SIGINT."""
        self.port = port
        self.start()
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        print(f"serving on {self.url}", flush=True)
        stopped.wait()
        self.stop()


def port_argument(description: str) -> int:
    """The ``--port`` a test peer's process is started with."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    return int(parser.parse_args().port)


class JsonHandler(BaseHTTPRequestHandler):
    """Quiet request handler with a JSON answer helper."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
