"""axe-core in Playwright: installed from npm into var/axe at test time (never committed).

``axe_violations(page)`` injects axe through the DevTools protocol (``page.evaluate``), which a
Content-Security-Policy does not block, and returns the violations as short readable lines.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_VERSION = "4.10.3"
AXE_DIR = ROOT / "var" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def axe_source() -> str:
    """axe-core's source, installing the pinned version with npm the first time."""
    marker = AXE_DIR / f".installed-{AXE_VERSION}"
    if not (AXE_JS.exists() and marker.exists()):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: the accessibility tests install axe-core with it")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                f"axe-core@{AXE_VERSION}",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
        marker.touch()
    return AXE_JS.read_text()


def axe_violations(page, source: str) -> list[str]:
    """Every axe violation on the page as ``rule: target (summary)``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ["violations"]});
          if (!r.passes.length) return [{id: "axe-did-not-run", nodes: []}];
          return r.violations.map(v => ({
            id: v.id,
            nodes: v.nodes.map(
              n => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n")[1]
            )
          }));
        }"""
    )
    return [f"{v['id']}: {node}" for v in result for node in v["nodes"] or [""]]


def sideways_overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def wide_elements(page, limit: int = 5) -> list[str]:
    """The outermost elements that stick out past the viewport's right edge, to say why."""
    return page.evaluate(
        """(limit) => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.right <= width + 0.5 || box.width === 0) continue;
            if (el.parentElement && el.parentElement.getBoundingClientRect().right > width + 0.5
                && el.parentElement !== document.body) continue;
            let scroller = el.parentElement, clipped = false;
            while (scroller && scroller !== document.body) {
              const style = getComputedStyle(scroller);
              if (style.overflowX !== "visible") { clipped = true; break; }
              scroller = scroller.parentElement;
            }
            if (clipped) continue;
            const name = `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`;
            out.push(`${name} right=${Math.round(box.right)}`);
            if (out.length >= limit) break;
          }
          return out;
        }""",
        limit,
    )
