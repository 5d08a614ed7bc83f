"""Compare two builds of the package file by file, timestamps aside (is the build reproducible?).

    python packaging/compare_builds.py A.deb B.deb          # two .deb files
    python packaging/compare_builds.py build/a/kinesight build/b/kinesight   # two frozen folders

Prints the number of files, the ones only in one build, and the ones whose contents differ
(with their sizes), then one verdict line; exit code 0 when the contents are identical.
A .deb is unpacked with ``dpkg-deb -R`` (data and control); its control file's fields are
compared too, so a changed ``Installed-Size`` or ``Depends`` shows.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def digest(path: Path) -> str:
    """sha256 of a file, or of a link's target text. A zip archive (PyInstaller's
    base_library.zip) counts by its entries' names and contents: the order PyInstaller writes
    them in varies from build to build, and their timestamps are fixed anyway."""
    if path.is_symlink():
        return "link:" + str(path.readlink())
    h = hashlib.sha256()
    if path.suffix == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                h.update(name.encode() + b"\0" + hashlib.sha256(zf.read(name)).digest())
        return "zip:" + h.hexdigest()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree(root: Path) -> dict[str, tuple[str, int]]:
    """``{relative path: (digest, size)}`` of every file and link under ``root``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() or p.is_symlink():
            out[str(p.relative_to(root))] = (digest(p), 0 if p.is_symlink() else p.stat().st_size)
    return out


def unpack(build: Path, into: Path) -> Path:
    """A folder holding the build's files: the folder itself, or a .deb unpacked into ``into``."""
    if build.is_dir():
        return build
    subprocess.run(["dpkg-deb", "-R", str(build), str(into)], check=True)
    return into


def compare(a: Path, b: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ta, tb = tree(unpack(a, Path(tmp) / "a")), tree(unpack(b, Path(tmp) / "b"))
    only_a, only_b = sorted(set(ta) - set(tb)), sorted(set(tb) - set(ta))
    differ = sorted(p for p in set(ta) & set(tb) if ta[p][0] != tb[p][0])
    print(f"compare: {a} has {len(ta)} files, {b} has {len(tb)}")
    for p in only_a:
        print(f"  only in the first:  {p}")
    for p in only_b:
        print(f"  only in the second: {p}")
    for p in differ:
        print(f"  differs: {p} ({ta[p][1]} vs {tb[p][1]} bytes)")
    same = not (only_a or only_b or differ)
    print("compare: identical contents (timestamps aside)" if same else
          f"compare: {len(only_a) + len(only_b)} file(s) in one build only, {len(differ)} differ")
    return 0 if same else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    args = ap.parse_args(argv)
    return compare(args.first, args.second)


if __name__ == "__main__":
    sys.exit(main())
