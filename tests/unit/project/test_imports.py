"""Every import of the project's own modules resolves, those inside functions too (a moved module once broke
`make bench`, whose phases import lazily, without any test noticing). Checked from the sources, without
importing them: some read the stack's credentials when imported, and unit tests need no stack."""
import ast
import importlib.util

import pytest

from tests.support.paths import ROOT

OWN = ("userprofiles", "bench", "soak", "tests")
FILES = sorted(p for top in (*OWN[:-1], "tests") for p in (ROOT / top).rglob("*.py")) + sorted(ROOT.glob("*.py"))


def own_imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in OWN:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in OWN:
                    yield node.lineno, a.name, []


def top_level_names(module: str) -> set[str]:
    """What MODULE's source defines or imports at its top level (in if/try blocks too)."""
    spec = importlib.util.find_spec(module)
    if not spec.origin or not spec.origin.endswith(".py"):
        return set()
    names, todo = set(), list(ast.parse(open(spec.origin).read()).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.If, ast.Try)):
            todo += [*node.body, *node.orelse, *getattr(node, "finalbody", []),
                     *(h for handler in getattr(node, "handlers", []) for h in handler.body)]
    return names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_project_s_own_imports_resolve(path):
    for line, module, names in own_imports(path):
        assert importlib.util.find_spec(module) is not None, f"{path.name}:{line}: no module {module}"
        if names:
            defined = top_level_names(module)
            for name in names:
                assert name in defined or importlib.util.find_spec(f"{module}.{name}") is not None, \
                    f"{path.name}:{line}: {module} has no {name}"
