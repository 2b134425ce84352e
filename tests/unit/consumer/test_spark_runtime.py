"""spark_runtime: the package reaches Spark as a zip that lives as long as the program; the session's `file:`
file system; the loggers silenced at stop."""
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.paths import ROOT

PROGRAM = """
from types import SimpleNamespace
from userprofiles.consumer.spark_runtime import ship_package

shipped = []
ship_package(SimpleNamespace(sparkContext=SimpleNamespace(addPyFile=shipped.append)))
print(shipped[0])
"""


def test_the_shipped_zip_holds_the_package_and_is_removed_when_the_program_ends():
    run = subprocess.run([sys.executable, "-c", PROGRAM + "import os; assert os.path.exists(shipped[0])"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    archive = Path(run.stdout.strip())
    assert archive.name == "userprofiles.zip"
    assert not archive.exists() and not archive.parent.exists(), "the zip outlived the program"


def test_the_zip_has_every_module_of_the_package(tmp_path):
    program = PROGRAM + f"import shutil; shutil.copy(shipped[0], {str(tmp_path / 'copy.zip')!r})"
    subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, check=True)
    names = set(zipfile.ZipFile(tmp_path / "copy.zip").namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "userprofiles").rglob("*.py")}
    assert modules <= names, sorted(modules - names)[:5]


FS_SCRIPT = """
from userprofiles import internals
from userprofiles.config import options
from userprofiles.consumer import spark_runtime
args = ["--checkpoint", "{ckpt}", "--no-ui"]
spark = spark_runtime.build_spark(options.consumer_settings(options.consumer_parser({{}}).parse_args(args)).stream)
print("file system:", internals.local_file_system(spark))
spark.stop()
"""


def test_the_consumer_session_resolves_file_paths_to_the_jvm_piece(tmp_path):
    """The consumer's session writes `file:` checkpoints through the JVM piece's NioLocalFileSystem, which forks no
    chmod per file. spark-submit once cached Hadoop's own before the setting applied (spark.jars opens a `file:`
    file system first), and each micro-batch paid ~30 ms of child processes for it."""
    from userprofiles.consumer.spark_runtime import LOCAL_FILE_SYSTEM

    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", FS_SCRIPT.format(ckpt=tmp_path / "ckpt")],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert f"file system: {LOCAL_FILE_SYSTEM}\n" in out.stdout, out.stderr[-2000:]


def test_the_loggers_silenced_at_stop_exist_in_this_spark():
    """An upgrade that renames Spark's consumer pool listener is noticed here, not by a page of Java at Ctrl-C."""
    import zipfile

    from userprofiles.consumer.spark_runtime import STOP_REPORTERS, jars_dir

    classes = {n for jar in jars_dir().glob("spark-sql-kafka-0-10_*.jar") for n in zipfile.ZipFile(jar).namelist()}
    for name in STOP_REPORTERS:
        assert {name.replace(".", "/") + ".class", name.replace(".", "/") + "$.class"} & classes, name
