"""The locks: every package the README's commands install is pinned with its hashes, and the
standard-format lock (pylock.toml, PEP 751) pins exactly the same versions and files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pip_lock(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, sha256 hashes) of a pip requirements lock."""
    out: dict[str, tuple[str, set[str]]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)", line):
            name = m.group(1).lower().replace("_", "-")
            out[name] = (m.group(2), set())
        elif name and (h := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            out[name][1].add(h.group(1))
    return out


def test_every_locked_package_is_pinned_with_hashes():
    for lock in ("test.txt", "package-cpu.txt", "package-gpu.txt"):
        pins = _pip_lock(ROOT / "requirements" / lock)
        assert len(pins) > 10, lock
        assert all(hashes for _, hashes in pins.values()), [n for n, (_, h) in pins.items() if not h]


def test_pylock_pins_what_the_readme_installs():
    pip = _pip_lock(ROOT / "requirements" / "test.txt")
    data = tomllib.loads((ROOT / "pylock.toml").read_text(encoding="utf-8"))
    assert data["lock-version"] == "1.0"
    standard = {}
    for pkg in data["packages"]:
        files = [*pkg.get("wheels", []), *([pkg["sdist"]] if "sdist" in pkg else [])]
        standard[pkg["name"].lower().replace("_", "-")] = (pkg["version"], {f["hashes"]["sha256"] for f in files})
    assert {n: v for n, (v, _) in standard.items()} == {n: v for n, (v, _) in pip.items()}
    for name, (_, hashes) in standard.items():
        assert hashes and hashes <= pip[name][1], name
