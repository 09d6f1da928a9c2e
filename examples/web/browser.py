"""Drive a real headless Chromium from Python with the standard library only.

Chromium speaks the Chrome DevTools Protocol (CDP) over a pair of pipes when started
with ``--remote-debugging-pipe``: it reads NUL-terminated JSON commands on file
descriptor 3 and writes replies and events on descriptor 4. No WebDriver, no extra
package: the end-to-end test (``tests/test_web.py``) and the screenshot script
(``examples/web/screenshot.py``) use this small client.

>>> find_chromium() is None or find_chromium().endswith(("chromium", "chrome", "chromium-browser"))
True
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


# The keys press() knows: name -> (Windows virtual key code, the text the key types).
KEYS: dict[str, tuple[int, str | None]] = {
    "Enter": (13, "\r"),
    "Tab": (9, None),
    " ": (32, " "),
    "Backspace": (8, None),
    "Escape": (27, None),
    "ArrowDown": (40, None),
    "ArrowUp": (38, None),
    "ArrowLeft": (37, None),
    "ArrowRight": (39, None),
}


def _above(fd: int, lowest: int) -> int:
    """``fd`` moved to a descriptor number of at least ``lowest``."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, lowest)
    os.close(fd)
    return moved


class BrowserError(RuntimeError):
    """Chromium could not be started, or a DevTools command failed or timed out."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable: ``$CHROMIUM``, else the first found on ``PATH``."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """A headless Chromium with one page, driven over the DevTools pipe.

    Use it as a context manager; it starts with a fresh profile in a temporary folder and
    removes it again.
    """

    def __init__(self, executable: str | None = None, *, width: int = 1000, height: int = 900) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found: install Debian's `chromium` package or set $CHROMIUM")
        self.profile = tempfile.mkdtemp(prefix="policylang-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # A tiny Python trampoline puts the pipe ends on descriptors 3 and 4, where Chromium
        # expects them, and becomes Chromium; the ends are moved above 9 first, so that
        # neither is itself 3 or 4 and overwritten on the way.
        to_browser_r, from_browser_w = _above(to_browser_r, 10), _above(from_browser_w, 10)
        trampoline = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        args = [exe, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"]
        self.log = Path(self.profile) / "chromium.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", trampoline, str(to_browser_r), str(from_browser_w), *args],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session = ""
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=None)[
                "sessionId"
            ]
            self.call("Page.enable")
            self.call("Runtime.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
        except BaseException:
            self.close()
            raise

    # -- the protocol -------------------------------------------------------------

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer within {timeout:.0f} s{self._log_tail()}")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise BrowserError(f"Chromium closed the DevTools pipe{self._log_tail()}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        data: dict[str, Any] = json.loads(message)
        return data

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "; its log ends:\n" + "\n".join(lines[-15:]) if lines else ""

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = "", timeout: float = 30
    ) -> dict[str, Any]:
        """Send one command (to the page unless ``session=None``) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session or self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        """Wait until the page reports ``event`` (e.g. ``Page.loadEventFired``)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == event:
                    del self._events[i]
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"no {event} within {timeout:.0f} s")
            reply = self._read(left)
            if "method" in reply:
                self._events.append(reply)

    # -- what a test does with a page ---------------------------------------------

    def open(self, url: str) -> None:
        """Load ``url`` and wait until it has loaded."""
        self._events.clear()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def events(self, *methods: str) -> list[dict[str, Any]]:
        """The events reported since the page was opened (only those of ``methods``, if given), oldest first."""
        return [e for e in self._events if not methods or e.get("method") in methods]

    def press(self, key: str) -> None:
        """Press and release one key on the focused element: ``Enter``, ``Tab``, ``" "``, ``ArrowDown``, ..."""
        code, text = KEYS[key]
        event: dict[str, Any] = {"key": key, "code": "Space" if key == " " else key, "windowsVirtualKeyCode": code}
        self.call("Input.dispatchKeyEvent", {**event, "type": "keyDown", **({"text": text} if text else {})})
        self.call("Input.dispatchKeyEvent", {**event, "type": "keyUp"})

    def type(self, text: str) -> None:
        """Type ``text`` into the focused element, one key event per character."""
        for char in text:
            self.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": char, "text": char})
            self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": char})

    def box(self, selector: str) -> dict[str, float]:
        """The bounding box of the first element matching ``selector``, scrolled into view."""
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        if found is None:
            raise BrowserError(f"no element matches {selector}")
        return dict(found)

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching ``selector`` with the mouse."""
        box = self.box(selector)
        x, y = box["x"] + min(box["width"] / 2, 20), box["y"] + box["height"] / 2
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params: dict[str, Any] = {"type": kind, "x": x, "y": y}
            if kind != "mouseMoved":
                params.update(button="left", clickCount=1)
            self.call("Input.dispatchMouseEvent", params)

    def visible(self, selector: str) -> bool:
        """Whether the first element matching ``selector`` is rendered and takes up space."""
        return bool(
            self.evaluate(
                f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false;"
                " const r = e.getBoundingClientRect(); const s = getComputedStyle(e);"
                " return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'"
                " && (e.checkVisibility ? e.checkVisibility() : true); })()"
            )
        )

    def screenshot(self, path: Path, selector: str | None = None, *, margin: int = 8) -> None:
        """Save a PNG of the page, or of the element matching ``selector``."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if selector is not None:
            self.evaluate("window.scrollTo(0, 0)")
            box = self.evaluate(
                f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()"
            )
            params["clip"] = {
                "x": max(0, box["x"] - margin),
                "y": max(0, box["y"] - margin),
                "width": box["width"] + 2 * margin,
                "height": box["height"] + 2 * margin,
                "scale": 1,
            }
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    # -- the end ------------------------------------------------------------------

    def close(self) -> None:
        """Close the browser and remove its profile."""
        try:
            if self.process.poll() is None:
                with contextlib.suppress(BrowserError, OSError):
                    self.call("Browser.close", session=None, timeout=5)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            for fd in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
