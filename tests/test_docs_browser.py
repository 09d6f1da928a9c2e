"""The documentation as a reader sees it, in a real headless Chromium: readable, nothing clipped, no sideways scrolling.

The site is built once (``built_docs``) and each page opened at a desktop width and at a
phone's. On every page the page itself must not scroll sideways, and no code block or
table may be wider than the space it has (code wraps instead: ``docs/_static/policylang.css``).
A screenshot of the first screen of each page is taken (into the test's temporary
folder) and must show the page, not an empty or unstyled one. Chromium is Debian's
``chromium`` package, driven as ``tests/test_web.py`` drives it (``examples/web/browser.py``).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

WEB = Path(__file__).parent.parent / "examples" / "web"


def _browser() -> ModuleType:
    spec = importlib.util.spec_from_file_location("policylang_example_web_browser", WEB / "browser.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


browser = _browser()

pytestmark = pytest.mark.skipif(
    browser.find_chromium() is None,
    reason="Chromium is not installed (Debian: `apt-get install chromium`; .ci/run installs it)",
)

PAGES = (
    "index",
    "install",
    "cheatsheet",
    "cookbook",
    "glossary",
    "language",
    "cli",
    "diagnostics",
    "batch",
    "api",
    "changelog",
    "bundled/residence",
    "bundled/honour",
)
WIDTHS = {"desktop": 1280, "phone": 390}

# Per page: how wide the page is, and each code block or table wider than its box.
MEASURE = """(() => {
  const root = document.documentElement;
  const wide = [];
  for (const e of document.querySelectorAll('pre, div.highlight, table, .table-wrapper, img')) {
    if (e.scrollWidth > e.clientWidth + 1) {
      wide.push({tag: e.tagName, width: e.scrollWidth, box: e.clientWidth, text: (e.innerText || '').slice(0, 80)});
    }
  }
  const pre = document.querySelector('article pre');
  const alarm = [...document.querySelectorAll('article *')].filter(e => {
    const s = getComputedStyle(e, '::before').content;
    return e.getBoundingClientRect().height > 0 && s && s.includes('ERROR');
  }).length;
  return {
    alarm: alarm,
    page: root.scrollWidth, view: window.innerWidth, wide: wide,
    title: document.querySelector('article h1') ? document.querySelector('article h1').innerText : null,
    codeFont: pre ? getComputedStyle(pre).fontFamily : null,
    wrap: pre ? getComputedStyle(pre).whiteSpace : null,
    sidebar: (() => { const s = document.querySelector('.sidebar-drawer');
                      return s ? s.getBoundingClientRect().width > 0 && getComputedStyle(s).visibility !== 'hidden'
                               && s.getBoundingClientRect().right > 0 : false; })(),
  };
})()"""


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _png_colours(data: bytes) -> int:
    """How many distinct byte values the image data holds: a blank page has almost none."""
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return len(set(zlib.decompress(b"".join(chunks))))


@pytest.fixture(scope="module")
def site(built_docs: tuple[subprocess.CompletedProcess[str], Path]) -> Path:
    proc, out = built_docs
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return out


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_fits_its_screen_with_nothing_clipped(site: Path, device: str, tmp_path: Path) -> None:
    width = WIDTHS[device]
    problems: list[str] = []
    with browser.Chromium(width=width, height=900) as b:
        for page in PAGES:
            b.open((site / f"{page}.html").as_uri())
            found: dict[str, Any] = b.evaluate(MEASURE)
            if found["page"] > found["view"]:
                problems.append(f"{page}: the page is {found['page']} px wide on a {found['view']} px screen")
            for element in found["wide"]:
                problems.append(
                    f"{page}: a {element['tag']} needs {element['width']} px in {element['box']} px: "
                    f"{json.dumps(element['text'])}"
                )
            assert found["title"], f"{page}: no heading rendered"
            assert found["alarm"] == 0, f"{page}: the theme shows an error box"
            if found["codeFont"] is not None:
                assert "mono" in found["codeFont"].lower() and found["wrap"] == "pre-wrap", (page, found)
            assert found["sidebar"] == (device == "desktop"), f"{page}: the navigation on a {device}"
            shot = base64.b64decode(b.call("Page.captureScreenshot", {"format": "png"})["data"])
            (tmp_path / f"{page.replace('/', '_')}-{device}.png").write_bytes(shot)
            assert _png_size(shot) == (width, 900)
            assert _png_colours(shot) > 40, f"{page}: the screenshot is (almost) blank"
    assert not problems, "\n".join(problems)
