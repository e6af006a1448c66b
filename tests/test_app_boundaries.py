"""Apps depend one way (STYLE.md): ``campaigns`` and ``callbacks`` never import ``leads`` at
run time (imports for type checkers only, tests and migrations aside), so leads' typed request
may use their types and not the reverse."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _runtime_nodes(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if not _is_type_checking(child):
            yield child
            yield from _runtime_nodes(child)


def _leads_imports(path: Path) -> list[str]:
    found = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found += [name for name in names if name == "leads" or name.startswith("leads.")]
    return found


@pytest.mark.parametrize("app", ["campaigns", "callbacks"])
def test_the_app_does_not_import_leads(app):
    offending = {
        str(path.relative_to(ROOT)): names
        for path in sorted((ROOT / app).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
        if (names := _leads_imports(path))
    }
    assert offending == {}
