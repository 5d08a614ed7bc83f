"""Bundle safety: what keeps a hostile or broken bundle from doing harm before it is read.

Bundles come from anywhere, so loading is bounded: a .zip is checked entry by entry before
anything is written (count, sizes, compression ratio, no links or special files, no path outside
the folder); the files read are regular files, not links; ONNX external data is refused; the
manifest's size, label count and numbers are capped (the limits below). Every kind of bundle is
read through these functions.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable, TypeVar

from engine.bundles.format import MANIFEST
from engine.core.errors import BundleError

# Limits. A real bundle is three files of at most a few hundred MB (the shipped ones: 16 MB and
# 8 MB); ONNX protobufs cannot exceed 2 GiB anyway. The limits only stop hostile or broken files.
MAX_ZIP_ENTRIES = 64  # files and folders in a bundle .zip
MAX_ENTRY_BYTES = 1 << 30  # uncompressed size of one file: 1 GiB
MAX_TOTAL_BYTES = 3 << 29  # uncompressed size of the whole .zip: 1.5 GiB
MAX_RATIO = 100  # uncompressed / compressed; ONNX weights compress ~1.1:1, a zip bomb ~1000:1
RATIO_FLOOR_BYTES = 1 << 20  # small files (JSON) may compress well; the ratio applies above 1 MiB
MAX_MANIFEST_BYTES = 1 << 20  # manifest.json: labels, figures and notes, never 1 MiB
MAX_LABELS = 10_000  # classes, or a sequence task's tokens
MAX_LABEL_CHARS = 200
MAX_WINDOW_LENGTH = 10_000  # T: features per window (the window buffer is T x D floats)
MAX_FEATURE_DIM = 65_536
MAX_INPUT_SIDE = 4096  # pixels of the backbone input
MAX_STATE_VALUES = 1 << 24  # floats in one streaming state tensor


def _refuse(zip_path: Path, why: str) -> BundleError:
    return BundleError(f"{zip_path.name} is refused as a model bundle: {why}. "
                       "Only open bundles from a source you trust; re-export or re-download it.")


def _check_zip_entries(zip_path: Path, infos: list[zipfile.ZipInfo]) -> int:
    """Refuse a bundle .zip from its central directory alone, before anything is written:
    too many entries, too large, a suspicious compression ratio, links or special files, names
    that leave the folder. Returns the total uncompressed size."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _refuse(zip_path, f"it holds {len(infos)} entries, more than the {MAX_ZIP_ENTRIES} a bundle may have")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        p = PurePosixPath(name.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]) or "\0" in name:
            raise _refuse(zip_path, f"the entry {name!r} points outside the bundle folder")
        key = str(p).rstrip("/").casefold()
        if key in seen:
            raise _refuse(zip_path, f"the entry {name!r} appears twice")
        seen.add(key)
        mode = info.external_attr >> 16
        # Unix modes ride in the high 16 bits (0 from Windows tools): links, devices, FIFOs and
        # sockets are never part of a bundle, and extracting one could point outside the folder.
        if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file"
            raise _refuse(zip_path, f"the entry {name!r} is {kind}, not a plain file")
        if info.flag_bits & 0x1:
            raise _refuse(zip_path, f"the entry {name!r} is encrypted")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(zip_path, f"the entry {name!r} unpacks to {info.file_size / 2**20:.0f} MiB from "
                                    f"{info.compress_size / 2**20:.1f} MiB (a ratio over {MAX_RATIO}:1, like a zip bomb)")
        if info.file_size > MAX_ENTRY_BYTES:
            raise _refuse(zip_path, f"the entry {name!r} unpacks to {info.file_size / 2**20:.0f} MiB, more than "
                                    f"the {MAX_ENTRY_BYTES >> 20} MiB limit")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(zip_path, f"it unpacks to {total / 2**20:.0f} MiB, more than the {MAX_TOTAL_BYTES >> 20} MiB limit")
    return total


def _copy_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    """Write one entry, never more bytes than its header declared (a header that lies is caught
    here, not after the disk is full)."""
    left = info.file_size
    with zf.open(info) as src, open(dest, "xb") as out:
        while chunk := src.read(min(1 << 20, left + 1)):
            left -= len(chunk)
            if left < 0:
                raise BundleError(f"the entry {info.filename!r} holds more data than its header declares")
            out.write(chunk)


def safe_extract(zip_path: Path) -> Path:
    """Extract a bundle .zip into a fresh temp folder after :func:`_check_zip_entries`; returns
    the folder holding its manifest. Every kind of bundle .zip goes through here."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{zip_path} is not a valid .zip file: {exc}") from exc
    with zf:
        infos = zf.infolist()
        total = _check_zip_entries(zip_path, infos)
        tmp_root = Path(tempfile.gettempdir())
        free = shutil.disk_usage(tmp_root).free
        if total + (64 << 20) > free:
            raise BundleError(f"{zip_path.name} unpacks to {total / 2**20:.0f} MiB but {tmp_root} has only "
                              f"{free / 2**20:.0f} MiB free; free some space or unpack the bundle into a folder yourself.")
        dest = Path(tempfile.mkdtemp(prefix="kinesight-bundle-"))
        # Sessions re-read the ONNX files (on a device change), so the folder lives as long as
        # the process; without this every .zip opened left its extracted copy in the temp dir.
        atexit.register(shutil.rmtree, dest, ignore_errors=True)
        try:
            for info in infos:
                target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_bounded(zf, info, target)
        except BundleError:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        except Exception as exc:  # noqa: BLE001 - any extraction failure means a damaged zip
            shutil.rmtree(dest, ignore_errors=True)
            raise BundleError(f"{zip_path} could not be extracted: {exc}") from exc
    # Accept both a zip of the files and a zip of a folder holding them.
    if (dest / MANIFEST).is_file():
        return dest
    subdirs = [p for p in dest.iterdir() if p.is_dir() and (p / MANIFEST).is_file()]
    if len(subdirs) == 1:
        return subdirs[0]
    shutil.rmtree(dest, ignore_errors=True)
    raise BundleError(f"{zip_path} has no {MANIFEST} at its top level or in a single folder")


def plain_file(path: Path, bundle: Path) -> None:
    """Refuse a bundle file that is a link or not a regular file: a link could make Kinesight
    read (and hash) any file on the machine, a FIFO or device would block or never end.
    ``bundle`` is what the user named, for the message. Every file a loader reads passes here."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise BundleError(f"bundle {bundle} is missing {path.name}; re-export or re-download it.") from None
    except OSError as exc:
        raise BundleError(f"cannot read {path.name} of bundle {bundle}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise BundleError(f"{path.name} in bundle {bundle} is a symbolic link; a bundle's files must be plain "
                          "files inside its folder. Copy the real file there.")
    if not stat.S_ISREG(st.st_mode):
        raise BundleError(f"{path.name} in bundle {bundle} is not a regular file (a device, pipe or folder).")


def _tensors_with_external_data(graph) -> list[str]:
    """Names of tensors (initializers, constants, also in subgraphs) stored outside the .onnx file."""
    import onnx

    found = [t.name for t in graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data]
    for node in graph.node:
        for attr in node.attribute:
            tensors = ([attr.t] if attr.HasField("t") else []) + list(attr.tensors)
            found += [t.name or node.name for t in tensors
                      if t.data_location == onnx.TensorProto.EXTERNAL or t.external_data]
            for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                found += _tensors_with_external_data(sub)
    return found


def onnx_io(path: Path) -> tuple[dict[str, list], dict[str, list]]:
    """Input and output shapes of an ONNX graph, dims as int or str (symbolic) or None; refuses
    a graph that keeps tensors in external data files (they could name any file)."""
    import onnx  # parsing a protobuf executes no code from the file

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - onnx raises several types for bad files
        raise BundleError(f"{path.name} is not a readable ONNX model ({exc}); re-export the bundle.") from exc
    external = _tensors_with_external_data(model.graph)
    if external:
        # ONNX Runtime would open the files these name, relative to the bundle or not; a bundle
        # must be self-contained, so nothing outside its three files is ever read.
        raise BundleError(f"{path.name} keeps tensors in external data files ({', '.join(external[:3])}); "
                          "bundles must hold their weights inside the .onnx file. Re-export the bundle.")
    init = {t.name for t in model.graph.initializer}

    def dims(vi) -> list:
        out = []
        for d in vi.type.tensor_type.shape.dim:
            out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
        return out

    ins = {vi.name: dims(vi) for vi in model.graph.input if vi.name not in init}
    outs = {vi.name: dims(vi) for vi in model.graph.output}
    return ins, outs



_T = TypeVar("_T")


def load_folder_or_zip(path: Path, load: Callable[[Path], _T]) -> _T:
    """``load(root)`` on the bundle folder ``path``, or on a .zip ``path`` extracted by
    :func:`safe_extract`; a .zip whose contents ``load`` refuses leaves nothing behind."""
    if path.is_file():
        root = safe_extract(path)
        extracted = root if root.name.startswith("kinesight-bundle-") else root.parent
        try:
            return load(root)
        except BaseException:
            shutil.rmtree(extracted, ignore_errors=True)  # a refused bundle leaves nothing behind
            raise
    return load(path)


def read_manifest(root: Path, path: Path) -> tuple[Path, Any]:
    """The JSON of ``root``'s manifest and its path, read with every bundle's checks: a plain
    file (no link, FIFO or device), at most :data:`MAX_MANIFEST_BYTES`, not nested so deeply
    that parsing it blows the stack. ``path``: what the user named, for messages."""
    mpath = root / MANIFEST
    if not os.path.lexists(mpath):  # a link, FIFO or device is there: plain_file says which
        raise BundleError(f"{path} is not a model bundle: it has no {MANIFEST}.")
    plain_file(mpath, path)
    if mpath.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleError(f"{mpath} is {mpath.stat().st_size >> 10} KiB, more than a manifest may be "
                          f"({MAX_MANIFEST_BYTES >> 10} KiB); the bundle is damaged or hostile.")
    try:
        return mpath, json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise BundleError(f"{mpath} cannot be read as JSON ({reason}); the bundle is damaged, re-export it.") from exc


