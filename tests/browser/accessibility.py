"""axe-core in the browser tests: the violations of a page that a person with a screen reader
or a keyboard would meet. The engine is the npm package ``axe-core`` (``make axe``), injected
into the page under test; it is never served by the app."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import require_service

AXE = Path(__file__).resolve().parents[2] / "var" / "axe" / "axe-core-4.14.1.min.js"
#: The impacts that fail a test; "minor" and "moderate" ones are listed, not failed.
BLOCKING = ("serious", "critical")


def violations(page, *, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The page's axe violations of the given impacts, each as ``{"id", "impact", "help",
    "nodes"}`` (the nodes' CSS targets), for an assertion message a person can act on."""
    require_service("axe-core", AXE.exists(), "make axe")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ["violations"] });
          return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
        }"""
    )
    return [v for v in found if v["impact"] in impacts]
