"""The layering rule: ai_pipeline/ holds engines that take and return plain data, so no module of it
imports the app (`meetings`, `accounts`), at module level or inside a function. The app imports the
engines, never the other way round."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ROOT / "ai_pipeline"
APP_PACKAGES = {"meetings", "accounts"}
DYNAMIC_IMPORTS = {"import_module", "import_string", "__import__"}


def app_imports(path):
    """[(line, imported name)] for each import of an app package in the module at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in DYNAMIC_IMPORTS:
            names = [arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        else:
            continue
        found += [(node.lineno, name) for name in names if name.split(".")[0] in APP_PACKAGES]
    return sorted(found)


def test_the_rule_sees_imports_at_module_level_and_inside_functions(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text(
        "import os\nimport accounts.models as a\nfrom meetings import models\n"
        "from .meetings import x\nfrom meetingsx import y\n"
        "def f():\n    from meetings.models import Meeting\n    import ai_pipeline.search\n"
        "    return importlib.import_module('accounts.access'), import_string(path)\n"
    )
    assert app_imports(module) == [
        (2, "accounts.models"),
        (3, "meetings"),
        (7, "meetings.models"),
        (9, "accounts.access"),
    ]


def test_engines_never_import_the_app():
    modules = sorted(ENGINES.rglob("*.py"))
    assert len(modules) > 50  # the walk found the package
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {name}" for path in modules for line, name in app_imports(path)
    ]
    assert offending == [], "ai_pipeline/ must take plain data, not import the app:\n" + "\n".join(offending)
