"""Checks every browser walk makes of each page it reaches: no sideways overflow, no axe violations.

A flow test calls `problems_on(page, where)` after each step and asserts on the collected list at
the end, so one run names every page that went wrong rather than only the first.
"""

from __future__ import annotations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The widest element that sticks out past the viewport, named so a failure says where to look.
_OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  let worst = null;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).join('.') : '';
      worst = {right, name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (classes ? '.' + classes : '')};
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, worst};
}"""


def sideways_overflow(page) -> str | None:
    """None when the page fits its viewport's width; else what sticks out and by how much."""
    found = page.evaluate(_OVERFLOW_JS)
    if found is None:
        return None
    worst = found["worst"] or {"name": "?", "right": found["scroll"]}
    return f"{found['scroll']}px wide in a {found['width']}px viewport ({worst['name']} ends at {worst['right']:.0f}px)"


def axe_violations(page, *, enhanced_contrast: bool = False) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (injects axe where the page lacks it)."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        from axe_playwright_python.base import AXE_SCRIPT

        page.evaluate(AXE_SCRIPT)  # run as the test's own script: an injected <script> would meet the page's CSP
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    if enhanced_contrast:
        options["rules"] = {"color-contrast-enhanced": {"enabled": True}}
    violations = page.evaluate("options => axe.run(document, options)", options)["violations"]
    return [f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:5]}" for v in violations]


def problems_on(page, where: str, *, enhanced_contrast: bool = False) -> list[str]:
    """Every problem of the page as it is now, each prefixed with `where`."""
    problems = [f"{where}: {v}" for v in axe_violations(page, enhanced_contrast=enhanced_contrast)]
    overflow = sideways_overflow(page)
    if overflow:
        problems.append(f"{where}: overflows sideways, {overflow}")
    return problems
