"""Run the HTTP service (``policylang serve``) in a background thread, on a free localhost port.

The interview page's end-to-end test (``tests/test_interview.py``) and its screenshot
(``examples/web/interview_screenshot.py``) use it: the real application under the real
uvicorn server, as ``policylang serve`` runs it, only in-process::

    with BackgroundService() as service:
        print(service.url)          # http://127.0.0.1:PORT/ : the interview page
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from policylang.serve.app import create_app
from policylang.serve.settings import Settings


class BackgroundService:
    """The service under uvicorn in a daemon thread; ``url`` is the interview page's address."""

    def __init__(self, settings: Settings | None = None, *, start_seconds: float = 30) -> None:
        self.settings = settings or Settings()
        self.start_seconds = start_seconds
        self.url = ""
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None

    def start(self) -> BackgroundService:
        """Load the policies, listen on a free port and wait until the server answers."""
        app = create_app(self.settings)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="policylang-serve", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self.start_seconds
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}/"
        return self

    def stop(self) -> None:
        """Ask the server to finish, and wait for its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> BackgroundService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
