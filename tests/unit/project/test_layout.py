"""The package's layout, as docs/design.md promises it: the domain at the bottom (it imports nothing of the
rest), the sinks below the consumer (they never import it), and what the pipeline uses of Spark's and the
drivers' private parts in one module (userprofiles/internals.py)."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "userprofiles"
# Private Spark and Py4J attributes (_jvm, _jdf, _jc, _jsparkSession, _jlistener ...), Spark's context
# singleton, its local property of a micro-batch's id, the checkpoint's own files, the Cassandra driver's
# BoundStatement filled by hand.
PRIVATE = re.compile(r"\._j[a-zA-Z]+\b|_jlistener|_active_spark_context|_ensure_initialized|streaming\.sql\.batchId|"
                     r"BoundStatement\(|\"metadata\"\)|/ \"(commits|offsets)\"")


def imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_the_domain_imports_nothing_of_the_rest():
    for path in (PACKAGE / "domain").glob("*.py"):
        ours = {m for m in imports(path) if m.startswith("userprofiles")}
        assert all(m.startswith("userprofiles.domain") for m in ours), (path.name, ours)


def test_the_sinks_never_import_the_consumer():
    for path in (PACKAGE / "sinks").glob("*.py"):
        assert not {m for m in imports(path) if m.startswith("userprofiles.consumer")}, path.name


def test_private_parts_of_spark_and_the_drivers_are_used_in_internals_only():
    sources = [*PACKAGE.rglob("*.py"), ROOT / "consumer_spark.py", ROOT / "producer.py"]
    found = {str(p.relative_to(ROOT)) for p in sources if PRIVATE.search(p.read_text())}
    assert found == {"userprofiles/internals.py"}, found


def test_the_check_can_fail():
    assert PRIVATE.search("sc._jvm.userprofiles") and PRIVATE.search("df._jdf") and PRIVATE.search("BoundStatement(s)")
    assert not PRIVATE.search("spark.sparkContext.uiWebUrl")
