"""Dependency drift: what the newest allowed releases would change, and whether Kinesight still
passes with them. Not part of the test suite; run it before a deliberate lock update.

    python bench/drift.py                # resolve, install, run the tests (with the .deb build)
    python bench/drift.py --no-tests     # only resolve and print what is newer than the lock
    python bench/drift.py --keep DIR     # keep the scratch checkout (default: removed at the end)

What it does, in a scratch checkout beside this one (``../kinesight-drift``, so that
``../shared`` is found as the tests expect), never touching this checkout or its venv:

1. Resolves the newest versions that ``pyproject.toml``'s ranges allow (``uv pip compile
   --upgrade``), for each lock that ``packaging/lock.sh`` writes, *without*
   ``requirements/constraints.in``'s pins, except the ones named by ``--hold`` (default: torch and
   torchvision, whose newer builds are not on this machine's disk and would be a 3 GB download).
2. Prints every package whose version differs from the lock (``name  locked -> newest``), and
   the ones that come or go.
3. Writes the resolved files over the scratch checkout's ``requirements/*.txt``, installs them
   there exactly as the README's test command does, and runs the test suite (which builds,
   installs and checks the ``.deb`` when run as root; the package's size is in its summary).
4. Ends with one verdict line: how many packages drifted, the tests' result line, and the
   installed size of the package.

It needs ``uv`` (``pip install uv``) and, for step 3, the time of a full test run (~15 min on
2 cores).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQ = ROOT / "requirements"
# The locks and the inputs that make them (as packaging/lock.sh does).
LOCKS = {
    "test.txt": (["pyproject.toml", "requirements/build.in"], ["test"]),
    "package-cpu.txt": (["pyproject.toml", "requirements/build.in"], ["cpu", "package"]),
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def pins(text: str) -> dict[str, str]:
    """``{name: version}`` of a requirements/lock text (names normalised as pip does)."""
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): m[2] for m in PIN.finditer(text)}


def held_constraints(hold: list[str]) -> str:
    """The lines of constraints.in that pin one of ``hold`` (the rest are left out)."""
    wanted = {h.lower() for h in hold}
    lines = (REQ / "constraints.in").read_text(encoding="utf-8").splitlines()
    return "\n".join(ln for ln in lines if (m := PIN.match(ln.strip())) and m[1].lower() in wanted) + "\n"


def resolve(uv: str, cwd: Path, inputs: list[str], extras: list[str], constraints: Path, out: Path) -> None:
    """uv pip compile the newest allowed versions into ``out``."""
    cmd = [uv, "pip", "compile", "-q", "--upgrade", "--generate-hashes", "--python-version", "3.11",
           "--python-platform", "x86_64-manylinux_2_36", "--no-strip-extras", "-c", str(constraints),
           "-o", str(out), *inputs]
    for extra in extras:
        cmd += ["--extra", extra]
    subprocess.run(cmd, cwd=cwd, check=True)


def report_changes(name: str, locked: dict[str, str], newest: dict[str, str]) -> list[str]:
    """Print and return the differences between a lock and its newest resolution."""
    rows = []
    for pkg in sorted(set(locked) | set(newest)):
        old, new = locked.get(pkg), newest.get(pkg)
        if old == new:
            continue
        rows.append(f"  {pkg:32s} {old or '(not locked)':>14s} -> {new or '(gone)'}")
    print(f"{name}: {len(rows)} of {len(locked)} locked packages would change" + (":" if rows else ""))
    for row in rows:
        print(row)
    return rows


def ffmpeg_major(pkg: str, version: str, dest: Path) -> str:
    """The libavcodec major version a wheel carries (downloaded without dependencies), or '?'."""
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "-d", str(dest),
                    f"{pkg}=={version}"], check=False, capture_output=True)
    stem = pkg.replace("-", "_").lower()
    for wheel in dest.glob("*.whl"):
        if wheel.name.lower().startswith(f"{stem}-{version}"):
            with zipfile.ZipFile(wheel) as zf:
                for name in zf.namelist():
                    if m := re.search(r"/libavcodec-[0-9a-f]+\.so\.(\d+)", name):
                        return m[1]
    return "?"


def check_ffmpeg(versions: dict[str, str], scratch: Path) -> str:
    """Whether OpenCV's and PyAV's FFmpeg majors match (packaging/slim.py's one-FFmpeg step needs
    it; otherwise the frozen app carries two copies and misses its size budget)."""
    ocv, av = versions.get("opencv-python-headless"), versions.get("av")
    if not (ocv and av):
        return "FFmpeg: OpenCV or PyAV not in the lock"
    a, b = ffmpeg_major("opencv-python-headless", ocv, scratch), ffmpeg_major("av", av, scratch)
    same = a == b and a != "?"
    return (f"FFmpeg: opencv-python-headless {ocv} carries libavcodec {a}, av {av} carries {b}"
            + (": one copy can ship" if same else ": slim.py's one-FFmpeg step would be SKIPPED (+~43 MB)"))


def run_tests(work: Path) -> tuple[int, str, str]:
    """The README's test command in ``work``; return (exit code, result line, figures)."""
    cmd = ("python3.11 -m venv .venv && .venv/bin/pip install -q --no-deps -r requirements/test.txt"
           " && .venv/bin/pip install -q --no-deps --no-build-isolation -e ."
           " && .venv/bin/python -m pytest -q -p no:cacheprovider")
    log = work / "drift-tests.log"
    print(f"drift: running the README's test command in {work} (log: {log}) ...", flush=True)
    with open(log, "w", encoding="utf-8") as fh:
        rc = subprocess.run(["bash", "-c", cmd], cwd=work, stdout=fh, stderr=subprocess.STDOUT).returncode
    text = log.read_text(encoding="utf-8", errors="replace")
    result = next((ln.strip("= ") for ln in reversed(text.splitlines())
                   if re.search(r"\d+ (passed|failed|error)", ln)), f"no result line (exit {rc})")
    failed = [ln for ln in text.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    for ln in failed:
        print(f"  {ln}")
    if rc and not failed:
        print("\n".join(text.splitlines()[-30:]))
    figures = "; ".join(ln.strip() for ln in text.splitlines() if ln.startswith("packaging:"))
    return rc, result, figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-tests", action="store_true", help="only resolve and print the differences")
    ap.add_argument("--hold", default="torch,torchvision",
                    help="comma-separated packages kept at constraints.in's pin (default: %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch checkout ../kinesight-drift")
    ap.add_argument("--uv", default=shutil.which("uv") or "uv", help="the uv executable")
    args = ap.parse_args(argv)
    if not shutil.which(args.uv):
        print("drift: uv is missing (pip install uv)", file=sys.stderr)
        return 2

    work = ROOT.parent / "kinesight-drift"
    if work.exists():
        shutil.rmtree(work)
    # The committed tree (what a fresh clone has), not uncommitted edits.
    work.mkdir()
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    constraints = work / "requirements" / "drift-constraints.in"
    constraints.write_text(held_constraints([h for h in args.hold.split(",") if h]), encoding="utf-8")

    t0 = time.monotonic()
    changed = 0
    for name, (inputs, extras) in LOCKS.items():
        locked = pins((REQ / name).read_text(encoding="utf-8"))
        out = work / "requirements" / name
        resolve(args.uv, work, inputs, extras, constraints, out)
        newest = pins(out.read_text(encoding="utf-8"))
        if name == "test.txt":  # the no-deps wheels ride along as in the lock (requirements/nodeps.in)
            nodeps = re.search(r"(?ms)^# without their dependencies.*", (REQ / name).read_text(encoding="utf-8"))
            if nodeps:
                out.write_text(out.read_text(encoding="utf-8") + "\n" + nodeps.group(0), encoding="utf-8")
                for pkg, version in pins(nodeps.group(0)).items():
                    newest.setdefault(pkg, version)
        changed += len(report_changes(name, locked, newest))
        if name.startswith("package"):
            ffmpeg = check_ffmpeg(newest, work / "wheels")
            print(f"  {ffmpeg}")
    print(f"drift: resolved in {time.monotonic() - t0:.0f} s (held at the lock's pin: {args.hold or 'nothing'})")

    verdict = f"drift: {changed} version change(s) across the locks; {ffmpeg}"
    rc = 0
    if not args.no_tests:
        rc, result, figures = run_tests(work)
        verdict += f"; with them the tests end '{result}'" + (f"; {figures}" if figures else "")
        verdict += " -> PASSES" if rc == 0 else " -> BREAKS (see the lines above)"
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(verdict)
    return rc


if __name__ == "__main__":
    sys.exit(main())
