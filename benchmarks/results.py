"""Write one benchmark's section of ``benchmarks/RESULTS.md``, leaving the others as they are."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    """A line naming the machine the numbers were measured on, and how busy it was at the start."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = f", load average {os.getloadavg()[0]:.2f} at the start" if hasattr(os, "getloadavg") else ""
    return (
        f"Machine: `{platform.platform()}`, {os.cpu_count()} cores{f' ({model})' if model else ''}, "
        f"Python {platform.python_version()}{load}."
    )


def write_section(heading: str, section: str) -> None:
    """Put ``section`` (which starts with ``heading``) in RESULTS.md, in place of the old one if there is one."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if heading in text:
        start = text.index(heading)
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")
