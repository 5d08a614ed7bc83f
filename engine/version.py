"""Kinesight's version and the versions of what it runs on (``kinesight --version``, Help ▸ About).

The version has one source: ``version`` in pyproject.toml. An installed Kinesight reads it from
its package metadata; the frozen app carries that metadata (packaging/kinesight.spec copies it)
and, as a fallback, a ``VERSION`` file written from pyproject.toml at build time; a plain
checkout without an install reads pyproject.toml itself. No Qt and no torch here: the Qt
version comes from the PySide6 package metadata, so the command line never loads Qt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

UNKNOWN = "0.0.0+unknown"


def _frozen_dir() -> Path | None:
    """The frozen app's data folder (PyInstaller's ``sys._MEIPASS``), else None."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if getattr(sys, "frozen", False) and base else None


def app_version() -> str:
    """Kinesight's version, e.g. "0.1.0" ("0.0.0+unknown" only if every source is missing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kinesight")
    except PackageNotFoundError:
        pass
    frozen = _frozen_dir()
    if frozen is not None and (frozen / "VERSION").is_file():
        return (frozen / "VERSION").read_text(encoding="utf-8").strip() or UNKNOWN
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    try:
        import tomllib

        with open(pyproject, "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return UNKNOWN


def _dist_version(*names: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for name in names:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def onnxruntime_version() -> str:
    """ONNX Runtime's version and build, e.g. "1.32.0 (CPU build)", or why it is missing."""
    try:
        import onnxruntime as ort
    except ImportError:
        return "not installed (pip install 'kinesight[cpu]' or 'kinesight[gpu]')"
    gpu = "CUDAExecutionProvider" in ort.get_available_providers()
    return f"{ort.__version__} ({'GPU' if gpu else 'CPU'} build)"


def qt_version() -> str:
    """The Qt binding's version from its package metadata (loads no Qt), or "not installed"."""
    found = _dist_version("PySide6-Essentials", "PySide6")
    return f"PySide6 {found}" if found else "not installed"


def bundle_versions() -> list[tuple[str, str]]:
    """(name, version) of every shipped bundle, read from the manifests (no checksum pass)."""
    from engine.bundles import MANIFEST, list_shipped_bundles

    out = []
    for path in list_shipped_bundles():
        try:
            data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            out.append((str(data.get("name", path.name)), str(data.get("version", "?"))))
        except (OSError, ValueError):
            out.append((path.name, "unreadable manifest"))
    return out


def version_report(name: str = "Kinesight", qt: str | None = None) -> str:
    """Several lines: ``name`` and Kinesight's version first, then ONNX Runtime, Qt, Python and
    the shipped bundles, each with its version.

    ``qt`` replaces the metadata-based Qt line (the GUI passes the running Qt's own version).
    """
    packaged = ", packaged app" if _frozen_dir() is not None else ""
    bundles = ", ".join(f"{n} {v}" for n, v in bundle_versions()) or "none"
    return "\n".join([
        f"{name} {app_version()}",
        f"ONNX Runtime {onnxruntime_version()}",
        f"Qt: {qt or qt_version()}",
        f"Python {sys.version.split()[0]}{packaged}",
        f"shipped bundles: {bundles}",
    ])
