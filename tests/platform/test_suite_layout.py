"""The test suite's own layout: each test module lives in a feature folder (a package), and no module of
the suite imports a test module or a conftest.py. A helper that two test modules need lives in
tests/support/; a fixture they share lives in the conftest.py that covers both (pytest finds it there)."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# A dotted name of a test module or a conftest under tests/, as an import or embedded source would spell it.
FORBIDDEN = re.compile(r"\btests(?:\.\w+)*\.(?:test_\w+|conftest)\b")


def module_name(path):
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def is_forbidden(name):
    parts = name.split(".")
    return parts[0] == "tests" and any(part.startswith("test_") or part == "conftest" for part in parts[1:])


def forbidden_imports(source, module):
    """(line, name) of each import of a test module or a conftest in `source` (relative imports resolved
    against `module`), including imports written in strings that are run as code (a script handed to a
    subprocess)."""
    package = module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if is_forbidden(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            if is_forbidden(base):
                found.append((node.lineno, base))
            else:
                found.extend((node.lineno, f"{base}.{a.name}") for a in node.names if is_forbidden(f"{base}.{a.name}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "import" in node.value:
            found.extend((node.lineno, match) for match in FORBIDDEN.findall(node.value))
    return sorted(found)


def test_the_import_check_finds_each_way_of_importing_a_test_module():
    source = (
        "from tests.processing.test_jobs import uploaded\n"
        "from .test_uploads import multipart\n"
        "from . import test_worker\n"
        "import tests.search_chat.test_chat\n"
        "from tests.conftest import write_tone_wav\n"
        "from tests.support.audio import write_tone_wav\n"
        "SCRIPT = 'from tests.processing.test_jobs import uploaded'\n"
        "def later():\n"
        "    from tests.minutes.test_minutes_views import url\n"
    )
    found = forbidden_imports(source, "tests.platform.test_example")
    assert found == [
        (1, "tests.processing.test_jobs"),
        (2, "tests.platform.test_uploads"),
        (3, "tests.platform.test_worker"),
        (4, "tests.search_chat.test_chat"),
        (5, "tests.conftest"),
        (7, "tests.processing.test_jobs"),
        (9, "tests.minutes.test_minutes_views"),
    ]


def test_no_module_of_the_suite_imports_a_test_module_or_a_conftest():
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue  # its examples above are imports of test modules on purpose
        for line, name in forbidden_imports(path.read_text(encoding="utf-8"), module_name(path)):
            offenders.append(f"{path.relative_to(TESTS.parent)}:{line} imports {name}")
    assert not offenders, "Move what these import to tests/support/ (or a fixture to a conftest.py):\n" + "\n".join(
        offenders
    )


def test_every_test_module_is_in_a_feature_folder_with_a_unique_name():
    modules = sorted(TESTS.rglob("test_*.py"))
    misplaced = [
        str(path.relative_to(TESTS.parent))
        for path in modules
        if path.parent.parent != TESTS or path.parent.name == "support" or not (path.parent / "__init__.py").exists()
    ]
    assert not misplaced, f"Test modules go in a feature folder tests/<feature>/ (a package): {misplaced}"
    names = [path.name for path in modules]
    assert len(names) == len(set(names)), sorted({name for name in names if names.count(name) > 1})
    assert len(modules) > 60  # the walk really found the suite
