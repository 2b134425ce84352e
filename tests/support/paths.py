"""The checkout and its venv: the programs under test are run from here, with the venv's interpreters."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
