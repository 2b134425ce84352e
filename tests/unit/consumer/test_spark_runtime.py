"""spark_runtime.ship_package: the package reaches Spark as a zip that lives as long as the program."""
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
