"""Downloads for a fresh machine, with nothing but Python's standard library (no curl, wget or unzip needed).

Usage:
  python3 stack/fetch.py get URL SHA256 DEST          download URL to DEST unless DEST already has SHA256
  python3 stack/fetch.py unzip ZIP DIR [MEMBER]       extract ZIP into DIR, dropping the leading "module@version/"
                                                      of a Go module zip (else the first component), keeping
                                                      exec bits; with MEMBER, only that file (path after it)
Exit 1 with one line on stderr naming the cause on any failure; a bad checksum deletes the download.
"""
from __future__ import annotations

import hashlib
import os
import sys
import urllib.request
import zipfile
from pathlib import Path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get(url: str, want: str, dest: Path) -> None:
    if dest.exists() and sha256(dest) == want:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    req = urllib.request.Request(url, headers={"User-Agent": "users-profiles-stack"})
    with urllib.request.urlopen(req, timeout=60) as resp, open(tmp, "wb") as out:
        while chunk := resp.read(1 << 20):
            out.write(chunk)
    got = sha256(tmp)
    if got != want:
        tmp.unlink()
        raise SystemExit(f"fetch.py: {url} has SHA-256 {got}, expected {want} (pinned in stack/versions.env); "
                         "not used.")
    os.replace(tmp, dest)


def unzip(archive: Path, target: Path, member: str | None = None) -> None:
    target.mkdir(parents=True, exist_ok=True)
    found = False
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            # A Go module zip's entries start with "module@version/" (the module path may hold slashes).
            parts = info.filename.split("/")
            cut = next((i for i, part in enumerate(parts) if "@" in part), 0) + 1
            rel = "/".join(parts[cut:])
            if not rel:
                continue
            if member is not None and rel != member:
                continue
            if rel.startswith("/") or ".." in rel.split("/"):
                raise SystemExit(f"fetch.py: unsafe path {info.filename!r} in {archive}")
            out = target / rel
            if info.is_dir():
                out.mkdir(parents=True, exist_ok=True)
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(out, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            mode = (info.external_attr >> 16) & 0o777
            # Go's proxy zips carry no Unix modes: the toolchain's programs are bin/* and pkg/tool/*/*.
            if mode == 0 and (rel.startswith("bin/") or rel.startswith("pkg/tool/")):
                mode = 0o755
            os.chmod(out, mode or 0o644)
            found = True
    if member is not None and not found:
        raise SystemExit(f"fetch.py: {archive} has no {member}")


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 4 and argv[0] == "get":
            get(argv[1], argv[2], Path(argv[3]))
        elif len(argv) in (3, 4) and argv[0] == "unzip":
            unzip(Path(argv[1]), Path(argv[2]), argv[3] if len(argv) == 4 else None)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except SystemExit:
        raise
    except Exception as exc:  # network, disk, bad zip: one line with the cause
        print(f"fetch.py: {argv[0]} {argv[1]} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
