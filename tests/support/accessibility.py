"""axe-core in a Playwright page, and the page-width check for phones.

axe-core 4.14.1 is vendored in tests/support/axe/ (README there says where it comes from), so the test
needs no npm registry. The page must come from a context opened with bypass_csp=True: the script is
injected inline, which the app's Content-Security-Policy forbids."""

import hashlib
from pathlib import Path

AXE_SCRIPT = Path(__file__).parent / "axe" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
FAILING_IMPACTS = ("serious", "critical")


def check_vendored_axe():
    """The vendored file is the release the README names, not a hand-edited copy."""
    digest = hashlib.sha256(AXE_SCRIPT.read_bytes()).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_SCRIPT} is not axe-core {AXE_VERSION}"


def axe_violations(page, *, extra_rules=()):
    """axe-core's violations on the page as it is now (a list of axe result dicts), with its default rules
    and `extra_rules`, rules axe ships switched off (such as "target-size" for touch screens)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": True} for rule in extra_rules}}
    return page.evaluate("options => axe.run(document, options).then(results => results.violations)", options)


def failing(violations):
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(violations, *, targets=3):
    """One line per violation: rule id, impact, how many elements, the first few target selectors."""
    lines = []
    for violation in violations:
        selectors = [" ".join(map(str, node["target"])) for node in violation["nodes"][:targets]]
        lines.append(
            f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} elements): "
            f"{'; '.join(selectors)} — {violation['help']}"
        )
    return "\n".join(lines)


def horizontal_overflow(page):
    """How many CSS pixels the page is wider than the window (0 when it does not scroll sideways), and the
    widest elements that stick out past the right edge, for the failure message."""
    return page.evaluate(
        """() => {
            const width = window.innerWidth;
            const overflow = document.documentElement.scrollWidth - width;
            const culprits = [];
            if (overflow > 0) {
                for (const el of document.body.querySelectorAll('*')) {
                    const box = el.getBoundingClientRect();
                    if (box.right > width + 1 && box.width > 0) {
                        const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                            + (el.className && typeof el.className === 'string'
                               ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
                        culprits.push(`${name} (right edge ${Math.round(box.right)})`);
                    }
                }
            }
            return {overflow: Math.max(overflow, 0), culprits: culprits.slice(0, 8)};
        }"""
    )
