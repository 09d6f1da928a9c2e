"""Take the screenshot of the interview page (``policylang serve``, ``/``) that the documentation shows.

Starts the service in-process (``service.py``), opens the page in headless Chromium
(``browser.py``), answers the first questions of ``examples/benefit`` in Danish as a
caseworker would, and saves the page from its top to the end of the decisions::

    python examples/web/interview_screenshot.py                 # docs/_static/interview.png
    python examples/web/interview_screenshot.py --width 390 --out /tmp/interview-phone.png
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from browser import Chromium
from service import BackgroundService

DOCS_STATIC = Path(__file__).resolve().parent.parent.parent / "docs" / "_static"
POLICY = "examples/benefit"
# The answers given, in the order the page asks for them; the household is left half-way.
ANSWERS = {"as_of": "2024-05-01", "savings": "20000,50", "date_of_birth": "1990-01-01", "income": "120000"}


def wait_until_idle(b: Chromium, timeout: float = 20) -> None:
    """Wait until the page awaits no answer from the service (nothing is aria-busy)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b.evaluate("[...document.querySelectorAll('[aria-busy]')].every((e) => e.ariaBusy === 'false')"):
            return
        time.sleep(0.05)
    raise RuntimeError("the page still waits for the service")


def set_value(b: Chromium, selector: str, value: str) -> None:
    """Focus a field, give it a value, and tell the page as a person's typing would."""
    b.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));"
        " })()"
    )


def interview(b: Chromium, url: str) -> None:
    """Answer the first questions, then start on the household."""
    b.open(url)
    wait_until_idle(b)
    set_value(b, "#lang", "da")
    set_value(b, "#policy", POLICY)
    wait_until_idle(b)
    for _ in ANSWERS:
        fact = b.evaluate("document.querySelector('#question .question').dataset.fact")
        set_value(b, f"#q-{fact}", ANSWERS[fact])
        b.press("Enter")
        wait_until_idle(b)
    b.click("#question .add-row")
    set_value(b, "#q-household-r0-relation", "spouse")
    set_value(b, "#q-household-r0-age", "33")
    wait_until_idle(b)
    b.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")


def shoot(b: Chromium, path: Path) -> None:
    """The page from its top to the end of the decisions (the explanation goes on below)."""
    height = b.evaluate("Math.ceil(document.getElementById('decisions-section').getBoundingClientRect().bottom + 16)")
    width = b.evaluate("document.documentElement.scrollWidth")
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    data = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}, timeout=60)
    path.write_bytes(base64.b64decode(data["data"]))
    print(f"wrote {path} ({width}x{height})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The interview page's screenshot for the docs.")
    parser.add_argument("--out", type=Path, default=DOCS_STATIC / "interview.png", help="the PNG file to write")
    parser.add_argument("--width", type=int, default=1280, help="the window's width in CSS pixels (default: 1280)")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with BackgroundService() as service, Chromium(width=args.width, height=900) as b:
        interview(b, service.url)
        shoot(b, args.out)


if __name__ == "__main__":
    main()
