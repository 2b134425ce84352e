"""Every import of the project's own modules resolves, those inside functions too (a moved module once broke
`make bench`, whose phases import lazily, without any test noticing)."""
import ast
import importlib
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


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_project_s_own_imports_resolve(path):
    for line, module, names in own_imports(path):
        assert importlib.util.find_spec(module) is not None, f"{path.name}:{line}: no module {module}"
        if names:
            mod = importlib.import_module(module)
            for name in names:
                assert hasattr(mod, name) or importlib.util.find_spec(f"{module}.{name}") is not None, \
                    f"{path.name}:{line}: {module} has no {name}"
