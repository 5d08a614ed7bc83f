"""Model bundles: the format, its safety limits, loading, and the preprocessing a bundle specifies.

    format.py      manifest.json as typed records (Manifest, WindowSpec, InputSpec, HeadSpec...),
                   the file names, :func:`write_manifest` (how ``models/`` writes bundles)
    safety.py      the limits and checks that keep a hostile bundle harmless: zip entries, plain
                   files only, manifest size, no ONNX external data
    loading.py     :func:`load_bundle`: parse, check against the task registry, checksums, graphs;
                   the bundles shipped with the app and the user's, by name (:func:`resolve_bundle`)
    preprocess.py  frame -> backbone tensor, driven by the bundle's InputSpec

What callers need is importable from ``engine.bundles`` itself.
"""

from engine.bundles.format import (
    BACKBONE_FILE,
    BACKBONE_INT8_FILE,
    FORMAT,
    FORMAT_VERSION,
    HEAD_FILE,
    MANIFEST,
    SEQUENCE_TASK,
    Bundle,
    HeadSpec,
    InputSpec,
    Manifest,
    StateSpec,
    WindowSpec,
    sha256_of,
    write_manifest,
)
from engine.bundles.loading import (
    DEFAULT_BUNDLE,
    DEMO_BUNDLE,
    check_graphs,
    bundle_name,
    default_bundle_path,
    demo_bundle_path,
    known_bundles,
    list_shipped_bundles,
    list_user_bundles,
    load_bundle,
    parse_manifest,
    resolve_bundle,
    shipped_bundles_dir,
    user_bundles_dir,
    user_data_dir,
)
from engine.bundles.safety import (
    MAX_ENTRY_BYTES,
    MAX_FEATURE_DIM,
    MAX_INPUT_SIDE,
    MAX_LABEL_CHARS,
    MAX_LABELS,
    MAX_MANIFEST_BYTES,
    MAX_RATIO,
    MAX_STATE_VALUES,
    MAX_TOTAL_BYTES,
    MAX_WINDOW_LENGTH,
    MAX_ZIP_ENTRIES,
    load_folder_or_zip,
    onnx_io,
    plain_file,
    read_manifest,
    safe_extract,
)

__all__ = [
    "BACKBONE_FILE", "BACKBONE_INT8_FILE", "FORMAT", "FORMAT_VERSION", "HEAD_FILE", "MANIFEST", "SEQUENCE_TASK", "Bundle", "HeadSpec",
    "InputSpec", "Manifest", "StateSpec", "WindowSpec", "sha256_of", "write_manifest", "check_graphs",
    "DEFAULT_BUNDLE", "DEMO_BUNDLE", "bundle_name", "default_bundle_path", "demo_bundle_path", "known_bundles", "list_shipped_bundles", "list_user_bundles", "load_bundle",
    "parse_manifest", "resolve_bundle", "shipped_bundles_dir", "user_bundles_dir", "user_data_dir",
    "MAX_ENTRY_BYTES", "MAX_FEATURE_DIM", "MAX_INPUT_SIDE", "MAX_LABEL_CHARS", "MAX_LABELS", "MAX_MANIFEST_BYTES",
    "MAX_RATIO", "MAX_STATE_VALUES", "MAX_TOTAL_BYTES", "MAX_WINDOW_LENGTH", "MAX_ZIP_ENTRIES",
    "load_folder_or_zip", "onnx_io", "plain_file", "read_manifest", "safe_extract",
]
