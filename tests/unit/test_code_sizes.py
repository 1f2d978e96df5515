"""A module a reader can hold, a function on a screen: no module in src/ over MAX_MODULE
lines and no function over MAX_FUNCTION lines, unless its first lines say why in a comment
beginning `# long:` (for a module: before its first statement after the docstring; for a
function: from its `def` to its first statement after the docstring)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from live_commerce_quality.core.layout import PACKAGE_ROOT

MAX_MODULE = 500
MAX_FUNCTION = 80

_WAIVER = re.compile(r"^\s*# long: *\S")


def _first_statement(body: list[ast.stmt]) -> ast.stmt | None:
    """The first statement that is not the docstring."""
    head = body[0] if body else None
    docstring = (
        isinstance(head, ast.Expr) and isinstance(head.value, ast.Constant) and isinstance(head.value.value, str)
    )
    rest = body[1:] if docstring else body
    return rest[0] if rest else None


def _waived(lines: list[str], start: int, body: list[ast.stmt]) -> bool:
    """A `# long:` comment on the 1-based lines from `start` up to the first statement."""
    first = _first_statement(body)
    end = first.lineno - 1 if first is not None else len(lines)
    return any(_WAIVER.match(line) for line in lines[start - 1 : end])


def _oversized(path: Path, root: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text, filename=str(path))
    name = path.relative_to(root).as_posix()
    found = []
    if len(lines) > MAX_MODULE and not _waived(lines, 1, tree.body):
        found.append(f"{name}: module of {len(lines)} lines (max {MAX_MODULE})")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = node.end_lineno - node.lineno + 1
            if size > MAX_FUNCTION and not _waived(lines, node.lineno, node.body):
                found.append(f"{name}:{node.lineno}: function {node.name} of {size} lines (max {MAX_FUNCTION})")
    return found


def test_modules_and_functions_fit_or_say_why():
    modules = sorted(PACKAGE_ROOT.rglob("*.py"))
    assert modules, PACKAGE_ROOT
    found = [problem for path in modules for problem in _oversized(path, PACKAGE_ROOT.parent)]
    assert found == [], "\n".join(found)


def test_only_a_written_reason_at_the_top_waives(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION))
    cases = {
        "waived.py": (f"def f():\n    # long: a table kept in one place\n{body}", 0),
        "after_docstring.py": (f'def f():\n    """Doc."""\n    # long: one table\n{body}', 0),
        "too_late.py": (f"def f():\n{body}    # long: too late to count\n", 1),
        "no_reason.py": (f"def f():\n    # long:\n{body}", 1),
        "long_module.py": ("x = 0\n" * (MAX_MODULE + 1), 1),
        "waived_module.py": ('"""Doc."""\n# long: generated table\n' + "x = 0\n" * MAX_MODULE, 0),
    }
    for name, (text, _) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = {name: len(_oversized(tmp_path / name, tmp_path)) for name in cases}
    assert found == {name: expected for name, (_, expected) in cases.items()}
