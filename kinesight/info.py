"""``kinesight info``: version, ONNX Runtime providers, the provider that really runs, cameras,
the shipped bundles and a bundle's summary."""

from __future__ import annotations

import sys
from typing import TextIO

from engine.core.errors import BundleError
from kinesight.common import EXIT_OK


def _version() -> str:
    """Kinesight's version: pyproject.toml's, through the package metadata (engine/version.py)."""
    from engine.version import app_version

    return app_version()


_PROVIDER_NAMES = {"TensorrtExecutionProvider": "TensorRT", "OpenVINOExecutionProvider": "OpenVINO",
                   "DmlExecutionProvider": "DirectML", "CoreMLExecutionProvider": "CoreML"}


def cmd_info(args, out: TextIO) -> int:
    """Version, ORT providers, the provider that really runs, cameras, the bundle's summary."""
    from engine.bundles import (
        bundle_name,
        default_bundle_path,
        list_shipped_bundles,
        list_user_bundles,
        load_bundle,
        user_bundles_dir,
    )
    from engine.core.runtime import make_session, runtime_summary
    from engine.io.sources import list_cameras

    rt = runtime_summary()
    print(f"kinesight {_version()}  (Python {sys.version.split()[0]})", file=out)
    print(f"onnxruntime {rt['onnxruntime']}, cpu: {rt['cpu']}, {rt['threads']} inference threads", file=out)
    if args.cameras > 0:
        cams = list_cameras(args.cameras)
        print("cameras: " + (", ".join(f"{c.index}: {c.name}" for c in cams) if cams else "none found"), file=out)
    shipped = list_shipped_bundles()
    print("shipped bundles: " + (", ".join(p.name for p in shipped) if shipped else "none"), file=out)
    mine = list_user_bundles()
    print(f"your bundles (in {user_bundles_dir()}): " + (", ".join(bundle_name(p) for p in mine) if mine else "none"),
          file=out)
    print("  (--bundle takes any of these names, or a bundle folder or .zip)", file=out)
    if args.bundle:
        bundle = load_bundle(args.bundle)
    else:
        try:
            bundle = load_bundle(default_bundle_path())
        except BundleError as exc:
            print(f"bundle: none ({exc})", file=out)
            return EXIT_OK
    probe = _first_stage(bundle)
    _, report = make_session(probe, args.device)
    # What can really run, tried on this bundle: onnxruntime-gpu lists CUDA (and TensorRT) even
    # where no GPU or driver exists, so its provider list is not an answer.
    _, auto = make_session(probe, "auto") if args.device != "auto" else (None, report)
    usable = ["CUDA", "CPU"] if auto.provider == "CUDA" else ["CPU"]
    print(f"can run on: {', '.join(usable)}", file=out)
    if auto.provider != "CUDA":
        print(f"CUDA: not usable: {auto.reason}", file=out)
    unused = [_PROVIDER_NAMES.get(p, p.removesuffix("ExecutionProvider")) for p in rt["providers_available"]
              if p not in ("CUDAExecutionProvider", "CPUExecutionProvider")]
    if unused:
        print(f"not used by Kinesight: {', '.join(unused)} (listed by this onnxruntime build)", file=out)
    print(f"runs on: {report}", file=out)
    print(f"bundle: {bundle.root}", file=out)
    print(bundle.manifest.summary(), file=out)
    return EXIT_OK


def _first_stage(bundle):
    """The graph that reads frames for this bundle: its backbone, or for a bundle that reads the
    body alone (no backbone) the pose stage's landmark model."""
    if bundle.backbone_path.is_file():
        return bundle.backbone_path
    from engine.pose.stage import model_paths

    return model_paths(bundle.root)[1]
