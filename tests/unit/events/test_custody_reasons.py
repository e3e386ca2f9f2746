"""The reason-code catalogue agrees with events/README.md, with the source, and with the tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from events.model.envelope import EVENT_TYPES
from events.reasons import CATALOGUE, FINDING_CODES, REFUSAL_CODES, VERDICT_CODES, catalogue_markdown

EVENTS = Path(__file__).resolve().parents[3] / "events"
TESTS = Path(__file__).resolve().parent
CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
# Calls whose first argument is a reason or finding code.
CODE_TAKERS = {
    "CustodyError",
    "DecodeError",
    "KeyFileError",
    "GoldtraceError",
    "SignatureError",
    "Finding",
    "Reason",
    "Rejected",
}


def callee(node: ast.Call) -> str:
    """The called name, `f` for `f(...)` and `m.f(...)`."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else ""


def raised_codes(tree: ast.AST) -> set[str]:
    """Code strings a module raises: first arguments of error and finding constructors, `CODE = "..."` in
    classes, and code-shaped string arguments of the rule helpers that take a code."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            args = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if callee(node) in CODE_TAKERS and node.args and node.args[0] in args:
                found.add(str(args[0].value))
            elif callee(node).startswith("require_"):
                found.update(str(a.value) for a in args if CODE.match(str(a.value)))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if (
                    isinstance(item, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "CODE" for t in item.targets)
                    and isinstance(item.value, ast.Constant)
                ):
                    found.add(str(item.value.value))
    return found


def test_readme_tables_are_the_catalogue() -> None:
    readme = (EVENTS / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- reason-codes:begin -->\n", "<!-- reason-codes:end -->"
    section = readme[readme.index(begin) + len(begin) : readme.index(end)]
    assert section == catalogue_markdown(), "regenerate the tables with events.reasons.catalogue_markdown()"
    listed = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))
    assert listed == set(CATALOGUE)


def test_every_code_raised_under_events_is_in_the_catalogue() -> None:
    raised: dict[str, str] = {}
    for path in sorted(EVENTS.rglob("*.py")):
        for code in raised_codes(ast.parse(path.read_text(encoding="utf-8"))):
            raised.setdefault(code, str(path.relative_to(EVENTS)))
    missing = {code: where for code, where in raised.items() if code not in CATALOGUE}
    assert not missing, f"codes raised but not catalogued: {missing}"
    assert len(raised) > 60  # the scan itself works


def test_every_custody_code_is_raised_somewhere() -> None:
    raised = set()
    for path in (EVENTS / "custody").rglob("*.py"):
        raised |= raised_codes(ast.parse(path.read_text(encoding="utf-8")))
    raised |= raised_codes(ast.parse((EVENTS / "verdict.py").read_text(encoding="utf-8")))
    assert set(REFUSAL_CODES) | set(FINDING_CODES) | set(VERDICT_CODES) <= raised


def test_every_custody_code_is_triggered_by_a_test() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in TESTS.glob("test_*.py") if p.name != Path(__file__).name)
    untested = [code for code in [*REFUSAL_CODES, *FINDING_CODES, *VERDICT_CODES] if f'"{code}"' not in text]
    assert not untested, f"no test names these codes: {untested}"


def test_codes_are_not_event_type_names() -> None:
    assert not set(CATALOGUE) & set(EVENT_TYPES)
