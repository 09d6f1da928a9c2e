"""Take the screenshots of the HTML explanation that the documentation shows.

Starts the example server (``app.py``), loads pages in headless Chromium (``browser.py``),
opens some collapsible details with real mouse clicks and saves PNG files::

    python examples/web/screenshot.py            # writes docs/_static/*.png

Each shot is of the explanation fragment as an application embeds it, cut after the
decisions it is about, so that the images stay small.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from app import serve_in_background
from browser import Chromium

ROOT = ".policylang-explanation"
DOCS_STATIC = Path(__file__).resolve().parent.parent.parent / "docs" / "_static"

# (file, query, decisions whose details are opened, the last decision shown (None: all), width)
SHOTS = [
    (
        "explanation-citizen-da.png",
        "policy=residence/help_and_repatriation&case=R01&lang=da&audience=citizen",
        [],
        None,  # a citizen's explanation has no folded detail: all of it
        900,
    ),
    (
        "explanation-why-not-en.png",
        "policy=examples/benefit&case=example&lang=en&audience=caseworker&why_not=1",
        ["eligible"],
        "eligible",
        900,
    ),
    (
        "explanation-auditor-en.png",
        "policy=greenland/indsatstrappe&case=G13&lang=en&audience=auditor&why_not=1",
        ["recommended_step"],
        "recommended_step",
        900,
    ),
]


def shoot(b: Chromium, base: str, query: str, opened: list[str], last: str | None, path: Path) -> None:
    b.open(f"{base}fragment?{query}")
    for name in opened:
        b.click(f"{ROOT} [data-decision={name}] details > summary")
    b.evaluate("window.scrollTo(0, 0)")
    end = f"{ROOT} [data-decision={last}]" if last else ROOT
    box = b.evaluate(
        f"(() => {{ const root = document.querySelector('{ROOT}').getBoundingClientRect();"
        f" const last = document.querySelector('{end}').getBoundingClientRect();"
        " return {x: root.x + scrollX, y: root.y + scrollY, width: root.width,"
        " height: last.bottom - root.y + 12}; })()"
    )
    clip = {key: round(value) for key, value in box.items()}
    data = b.call(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
        timeout=60,
    )["data"]
    path.write_bytes(base64.b64decode(data))
    print(f"wrote {path} ({clip['width']}x{clip['height']})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Screenshots of the HTML explanation for the docs.")
    parser.add_argument("--out", type=Path, default=DOCS_STATIC, help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    server = serve_in_background()
    try:
        for name, query, opened, last, width in SHOTS:
            with Chromium(width=width, height=1000) as b:
                shoot(b, server.url, query, opened, last, args.out / name)
    finally:
        server.shutdown()
        server.server_close()
    print(json.dumps([name for name, *_ in SHOTS]))


if __name__ == "__main__":
    main()
