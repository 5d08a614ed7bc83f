"""GRID lip reader: mouth-crop extraction, model, training (CTC + frame CE), export to a lips bundle.

The bundle fits the engine's two-graph shape, so live mode caches per-frame features as the
action path does:

    backbone.onnx  one mouth crop (N, 3, 48, 96) -> feature (N, 192)   2-D convs, per frame
    head.onnx      features (N, T, 192) -> logits (N, T, 52)           temporal conv + 2-layer BiGRU

Tokens: 0 = blank (also silence), then the 51 GRID words. Training uses CTC on the word
sequence plus a frame-level cross-entropy from the corpus' word alignments on the same output
(pure CTC sits on a plateau for many epochs on this little data), with compression
augmentation (JPEG 15-60, blur, sharpening, noise), flips and small shifts so that the
re-encoded H.264 and the original MPEG-1 clips read alike.

Crops come from the app's own causal cropper (``engine.lips.mouth.MouthTracker`` over MTCNN), cached
under ``~/.cache/kinesight/`` (never in the repository; the corpus side is models/grid_data.py):

    python -m models.lipread extract  --face FACE_DIR                # crops of all GRID s1 clips
    python -m models.lipread train    --out CKPT_DIR [--minutes M]   # best checkpoint by val WER
    python -m models.lipread export   CKPT_DIR/best.pt BUNDLE_DIR    # backbone/head ONNX + manifest
    python -m models.lipread evaluate BUNDLE_DIR                     # WER through the engine
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

from models.grid_data import (
    CACHE,
    CROP_SIZE,
    FPS,
    GRID,
    SEED,
    SLOTS,
    TOKENS,
    extract,
    frame_targets,
    load_crops,
    read_align,
    split_ids,
)

FEATURE_DIM = 192
# Where the shipped bundle was trained (written into its manifest by ``export``).
HARDWARE = ("2-core x86-64 CPU shared with other jobs: phase 1 (epochs 0-15) 1 torch thread at load 7-14, "
            "phase 2 (resumed, letter weight 2) 2 threads at load 1-7")


def build_model(feature_dim: int = FEATURE_DIM, hidden: int = 144):
    """(backbone, head) torch modules; imported lazily so extraction needs no torch."""
    import torch
    from torch import nn

    class Backbone(nn.Module):
        """One gray mouth crop (N, 1, 48, 96) in [-1, 1] -> feature (N, D). 2-D convs only, so
        live mode computes it once per frame and caches it."""

        def __init__(self) -> None:
            super().__init__()

            def block(cin, cout, k=3, s=1):
                return nn.Sequential(nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

            # Cheap on purpose: it runs once per frame live, and training had about an hour
            # of a shared 2-core CPU. Strided convs keep the layout (where the lips are).
            self.net = nn.Sequential(
                block(1, 32, 6, 4),            # 12 x 24: a learned filter bank over 6x6 patches
                block(32, 48, 3, 2),           # 6 x 12
            )
            self.fc = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(48 * 6 * 12, feature_dim), nn.ReLU(inplace=True))

        def forward(self, x):
            return self.fc(self.net(x))

    class Head(nn.Module):
        """Features (N, T, D) -> per-step token logits (N, T, V): temporal convs (lip motion
        over a few frames) then a 2-layer bidirectional GRU over the window."""

        def __init__(self) -> None:
            super().__init__()
            self.tconv = nn.Sequential(
                nn.Conv1d(feature_dim, feature_dim, 5, padding=2, bias=False), nn.BatchNorm1d(feature_dim), nn.ReLU(inplace=True),
            )
            self.drop = nn.Dropout(0.3)
            self.gru = nn.GRU(feature_dim, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.3)
            self.out = nn.Linear(2 * hidden, len(TOKENS))

        def forward(self, feats):
            x = self.tconv(feats.transpose(1, 2)).transpose(1, 2)
            x, _ = self.gru(self.drop(x))
            return self.out(self.drop(x))

    return Backbone(), Head()


# -- augmentation (numpy / OpenCV, per clip) ------------------------------------------------
def augment_clip(clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random, clip-consistent distortion of (T, 48, 96) uint8 crops: small shift/scale/
    rotation (the cropper is not exact), flip, brightness/contrast, then the codec's kind of
    damage: JPEG at quality 15-60, blur, sharpening, noise."""
    import cv2

    t, h, w = clip.shape
    out = clip
    ang = rng.uniform(-4, 4)
    sc = rng.uniform(0.92, 1.08)
    m = cv2.getRotationMatrix2D((w / 2 + rng.uniform(-3, 3), h / 2 + rng.uniform(-2, 2)), ang, sc)
    m[:, 2] += (rng.uniform(-3, 3), rng.uniform(-2, 2))
    out = np.stack([cv2.warpAffine(f, m, (w, h), borderMode=cv2.BORDER_REPLICATE) for f in out])
    if rng.random() < 0.5:
        out = out[:, :, ::-1]
    a, b = rng.uniform(0.75, 1.3), rng.uniform(-25, 25)
    out = np.clip(out.astype(np.float32) * a + b + (1 - a) * 128, 0, 255)
    r = rng.random()
    if r < 0.25:
        k = rng.choice([3, 5])
        out = np.stack([cv2.GaussianBlur(f, (k, k), rng.uniform(0.5, 1.3)) for f in out])
    elif r < 0.45:
        amt = rng.uniform(0.3, 1.0)
        blur = np.stack([cv2.GaussianBlur(f, (5, 5), 1.0) for f in out])
        out = np.clip(out + amt * (out - blur), 0, 255)
    if rng.random() < 0.35:
        out = np.clip(out + rng.normal(0, rng.uniform(2, 7), out.shape), 0, 255)
    out = out.astype(np.uint8)
    if rng.random() < 0.6:
        q = int(rng.integers(15, 61))
        out = np.stack([cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, q])[1], cv2.IMREAD_GRAYSCALE) for f in out])
    return np.ascontiguousarray(out)


def to_input(clips: np.ndarray):
    """(B, T, 48, 96) uint8 -> (B*T, 1, 48, 96) float tensor in [-1, 1] (what the bundle's
    preprocessing + in-graph gray conversion give)."""
    import torch

    x = torch.from_numpy(clips).float().div_(127.5).sub_(1.0)
    return x.reshape(-1, 1, *clips.shape[2:])


# -- decoding (shared with the engine: the same grammar Viterbi) ----------------------------
def wer(ref: list[str], hyp: list[str]) -> int:
    """Word edit distance."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, hword in enumerate(hyp, 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r != hword))
            prev, d[j] = d[j], cur
    return d[len(hyp)]


def evaluate_logits(logits: list[np.ndarray], refs: list[list[str]]) -> dict[str, float]:
    """WER (greedy CTC and grammar Viterbi) of per-clip (T, V) logits against reference words."""
    from engine.lips.grammar import SlotGrammar, greedy_tokens

    grammar = SlotGrammar(TOKENS, [list(s) for s in SLOTS])
    errs_g = errs_v = n = 0
    for lg, ref in zip(logits, refs):
        errs_g += wer(ref, [TOKENS[i] for i in greedy_tokens(lg)])
        errs_v += wer(ref, [w.word for w in grammar.decode(lg)])
        n += len(ref)
    return {"wer_greedy": errs_g / n, "wer": errs_v / n, "words": n}


# -- training ------------------------------------------------------------------------------
def train(out: Path, minutes: float, batch: int = 16, lr: float = 2e-3, threads: int = 2,
          ce_weight: float = 1.0, resume: Path | None = None, letter_weight: float = 1.0) -> None:
    """Train until ``minutes`` have passed (cosine learning rate over that time); checkpoint
    every epoch; keep ``best.pt`` by grammar-decoded WER on the validation sentences.
    ``letter_weight`` scales the frame cross-entropy of the letter words, which cause most of
    the remaining errors (f/m/n, s/a/l look alike on the lips)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    ids = split_ids()
    # Crops are read as extraction writes them, so training can start before it finishes;
    # the best checkpoint is only chosen once the validation set is complete.
    train_ids: list[str] = []
    train_x: list[np.ndarray] = []
    train_y: list = []
    evalsets: dict[str, tuple[list[np.ndarray], list[str]]] = {}

    def refresh() -> None:
        have = set(train_ids)
        for i in ids["train"]:
            if i not in have and (CACHE / "video" / f"{i}.npz").exists():
                c = load_crops("video", [i])[0]
                train_ids.append(i); train_x.append(c); train_y.append(frame_targets(i, len(c)))
        for name, kind, cids in (("val", "video", ids["val"]), ("raw_h264", "video", ids["raw"]), ("raw_mpeg1", "raw", ids["raw"])):
            ok = [i for i in cids if (CACHE / kind / f"{i}.npz").exists()]
            if len(ok) != len(evalsets.get(name, ((), ()))[1]):
                evalsets[name] = (load_crops(kind, ok), ok)

    refresh()
    backbone, head = build_model()
    params = list(backbone.parameters()) + list(head.parameters())
    print(f"train {len(ids['train'])} clips, {sum(p.numel() for p in params) / 1e6:.2f} M parameters", flush=True)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-2)
    start_epoch, best = 0, math.inf
    history: list[dict] = []
    if resume is not None and resume.exists():
        ck = torch.load(resume, weights_only=False)
        backbone.load_state_dict(ck["backbone"]); head.load_state_dict(ck["head"]); opt.load_state_dict(ck["opt"])
        start_epoch, best = ck["epoch"] + 1, ck.get("best", math.inf)
        history = list(ck.get("history", []))
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    ce_w = torch.ones(len(TOKENS))
    ce_w[[TOKENS.index(w) for w in SLOTS[3]]] = letter_weight
    t0 = time.time()
    budget = minutes * 60
    epoch = start_epoch
    while True:
        refresh()
        backbone.train(); head.train()
        order = rng.permutation(len(train_x))
        tl, te = 0.0, time.time()
        for bi in range(0, len(order) - batch + 1, batch):
            frac = min(1.0, (time.time() - t0) / budget)
            warm = min(1.0, (epoch * len(order) + bi + batch) / (len(order) * 1.0))
            for g in opt.param_groups:
                g["lr"] = lr * warm * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * frac)))
            idx = order[bi : bi + batch]
            # Most of a GRID clip is silence before and after the sentence; training on the
            # speech plus a random margin of silence (at least 4 frames) costs ~40 % less per
            # epoch and still teaches silence -> blank.
            spans = []
            for i in idx:
                fr = train_y[i][1]
                speech = np.nonzero(fr)[0]
                s0, s1 = (int(speech[0]), int(speech[-1]) + 1) if len(speech) else (0, len(fr))
                spans.append((int(rng.integers(0, max(1, s0 - 3))), int(rng.integers(min(len(fr), s1 + 4), len(fr) + 1))))
            # One length per batch: the longest span, but no longer than the shortest clip (a few
            # clips decode to 74 frames).
            tlen = min(max(b - a for a, b in spans), min(len(train_y[i][1]) for i in idx))
            spans = [(min(a, len(train_y[i][1]) - tlen), min(a, len(train_y[i][1]) - tlen) + tlen) for i, (a, _) in zip(idx, spans)]
            clips = np.stack([augment_clip(train_x[i][a:b], rng) for i, (a, b) in zip(idx, spans)])
            feats = backbone(to_input(clips)).reshape(len(idx), tlen, -1)
            logits = head(feats)  # (B, T, V)
            logp = logits.log_softmax(-1)
            seqs = [train_y[i][0] for i in idx]
            frames = torch.from_numpy(np.stack([train_y[i][1][a:b] for i, (a, b) in zip(idx, spans)]))
            loss_ctc = ctc(logp.transpose(0, 1), torch.tensor([t for s in seqs for t in s]),
                           torch.full((len(idx),), tlen, dtype=torch.long), torch.tensor([len(s) for s in seqs]))
            loss_ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), frames.reshape(-1), weight=ce_w, label_smoothing=0.05)
            loss = loss_ctc + ce_weight * loss_ce
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            tl += float(loss.detach())
        n_batches = max(1, len(order) // batch)
        scores = {name: evaluate_logits(predict(backbone, head, xs), [[w for _, _, w in read_align(GRID / "align" / f"{i}.align")] for i in cids])
                  for name, (xs, cids) in evalsets.items() if cids}
        complete = len(evalsets["val"][1]) == len(ids["val"]) and len(train_x) == len(ids["train"])
        row = {"epoch": epoch, "clips": len(train_x), "loss": tl / n_batches, "epoch_s": time.time() - te, "elapsed_min": (time.time() - t0) / 60,
               **{f"{k}_{m}": v for k, s in scores.items() for m, v in s.items() if m != "words"}}
        history.append(row)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
        state = {"backbone": backbone.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(),
                 "epoch": epoch, "scores": scores, "split": ids, "history": history}
        sel = scores["val"]["wer"] if complete else math.inf
        if complete and sel <= best:
            best = sel
            torch.save({**state, "best": best}, out / "best.pt")
        torch.save({**state, "best": best}, out / "last.pt")
        epoch += 1
        if time.time() - t0 > budget:
            break


def predict(backbone, head, clips: list[np.ndarray]) -> list[np.ndarray]:
    """Per-clip (T, V) logits in eval mode."""
    import torch

    backbone.eval(); head.eval()
    out = []
    with torch.no_grad():
        for c in clips:
            feats = backbone(to_input(c[None])).reshape(1, len(c), -1)
            out.append(head(feats)[0].numpy())
    return out


# -- export --------------------------------------------------------------------------------
BUNDLE_README = """# grid-lips: a lip reader for GRID-style sentences

Reads the six-word sentences of the GRID corpus (command colour preposition letter digit
adverb, e.g. "bin blue at f two now") from the mouth alone, for the speaker it was trained on
(GRID speaker 1). Other faces and free speech are outside what it knows.

- `backbone.onnx`: one 48x96 mouth crop -> 192-d feature (2-D convs, per frame).
- `head.onnx`: T features -> per-frame logits over blank + 51 words (temporal convs + BiGRU).
- `grammar.json`: the sentence pattern the decoder keeps to (Viterbi over the slots).
- `face_pnet.onnx`, `face_rnet.onnx`, `face_onet.onnx`: the MTCNN face and landmark locator,
  exported from the `facenet-pytorch` package's weights (MIT licence, Tim Esler; MTCNN by
  Zhang et al. 2016), which finds the mouth the crop is taken around.

Rebuild with `resources/bundles/make_grid_lips.sh`. Figures: see `manifest.json` -> training.

## Attribution
Trained on the GRID audio-visual corpus, speaker 1: Cooke, Barker, Cunningham and Shao (2006),
"An audio-visual corpus for speech perception and automatic speech recognition",
J. Acoust. Soc. Am. 120(5), 2421-2424. The corpus is published under the Creative Commons
Attribution 4.0 licence (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/); this model
is a work derived from it and is credited accordingly.
"""


def export(ckpt_path: Path, out: Path, face_dir: Path | None = None, window: int = 74) -> Path:
    """Write the lips bundle from a checkpoint: ONNX graphs (checked against torch), the face
    locator, the grammar, manifest and README.

    ``window``: T of the bundle. 74 rather than GRID's 75 frames because a few clips decode to
    74 frames, and a clip shorter than T never fills the engine's window (no answer at all).
    """
    import shutil
    import warnings

    from engine.core.runtime import make_session  # the one place ONNX Runtime sessions are made
    import torch
    from torch import nn

    from engine.bundles import HeadSpec, InputSpec, Manifest, WindowSpec, load_bundle, sha256_of, write_manifest
    from engine.lips.face import FACE_FILES
    from engine.lips.grammar import GRAMMAR_FILE

    ck = torch.load(ckpt_path, weights_only=False, map_location="cpu")
    backbone, head = build_model()
    backbone.load_state_dict(ck["backbone"]); head.load_state_dict(ck["head"])
    backbone.eval(); head.eval()

    class RgbBackbone(nn.Module):
        """The bundle's backbone: normalised RGB (mean = std = 0.5 -> [-1, 1]) -> gray (BT.601
        weights, as OpenCV's RGB2GRAY that made the training crops) -> features."""

        def __init__(self) -> None:
            super().__init__()
            self.core = backbone
            self.register_buffer("w", torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1))

        def forward(self, frames):
            return self.core((frames * self.w).sum(1, keepdim=True))

    out.mkdir(parents=True, exist_ok=True)
    wrapped = RgbBackbone().eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, (torch.rand(2, 3, *CROP_SIZE) * 2 - 1,), str(out / "backbone.onnx"), dynamo=False,
                          opset_version=17, input_names=["frames"], output_names=["features"],
                          dynamic_axes={"frames": {0: "batch"}, "features": {0: "batch"}})
        torch.onnx.export(head, (torch.rand(2, window, FEATURE_DIM),), str(out / "head.onnx"), dynamo=False,
                          opset_version=17, input_names=["features"], output_names=["logits"],
                          dynamic_axes={"features": {0: "batch", 1: "steps"}, "logits": {0: "batch", 1: "steps"}})
        x = torch.rand(3, 3, *CROP_SIZE) * 2 - 1
        f = torch.rand(1, 40, FEATURE_DIM)
        ref_b, ref_h = wrapped(x).numpy(), head(f).numpy()
    got_b = make_session(out / "backbone.onnx", "cpu")[0].run(None, {"frames": x.numpy()})[0]
    got_h = make_session(out / "head.onnx", "cpu")[0].run(None, {"features": f.numpy()})[0]
    err = max(float(np.abs(ref_b - got_b).max()), float(np.abs(ref_h - got_h).max()))
    if err > 1e-3:
        raise RuntimeError(f"exported graphs differ from torch by {err:.2e}; not writing the bundle")
    if face_dir is None:
        from models.face_export import export_mtcnn

        export_mtcnn(out)
    else:
        for name in FACE_FILES:
            shutil.copy(face_dir / name, out / name)
    (out / GRAMMAR_FILE).write_text(json.dumps({"slots": [list(s) for s in SLOTS]}, indent=1) + "\n", encoding="utf-8")
    (out / "README.md").write_text(BUNDLE_README, encoding="utf-8")
    scores = ck.get("scores", {})
    manifest = Manifest(
        name="grid-lips", version="1.0", task="lip", labels=TOKENS,
        window=WindowSpec(window_length=window, sample_fps=FPS, prediction_stride=1),
        input=InputSpec(size=CROP_SIZE, resize=CROP_SIZE[1], crop="squash", colour="RGB",
                        mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), roi="mouth"),
        backbone="lipread_cnn", feature_dim=FEATURE_DIM,
        head=HeadSpec(kind="window", arch="tconv_bigru"), files={},
        description="Lip reading of GRID sentences (command colour preposition letter digit adverb) "
                    "for GRID speaker 1; words with times.",
        attribution="Trained on the GRID audio-visual corpus (Cooke, Barker, Cunningham and Shao 2006), "
                    "CC BY 4.0. Face locator: MTCNN weights from facenet-pytorch (MIT).",
        training={"dataset": "GRID s1 (H.264 copies), 740 sentences; 40 + 20 held out",
                  "epoch": ck.get("epoch"), "history_tail": ck.get("history", [])[-3:],
                  "train_seconds": round(sum(h.get("epoch_s", 0) for h in ck.get("history", []))),
                  "hardware": HARDWARE,
                  **{f"{k}_wer": round(v["wer"], 4) for k, v in scores.items()},
                  "split_val": ck.get("split", {}).get("val", []), "split_raw": ck.get("split", {}).get("raw", [])},
        created_by="models/lipread.py",
    )
    write_manifest(out, manifest)
    # write_manifest hashes the two graphs; the stage's extra files are listed too.
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in (*FACE_FILES, GRAMMAR_FILE):
        data["files"][name] = sha256_of(out / name)
    (out / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        load_bundle(out)
    except Exception as exc:  # noqa: BLE001 - report, the files are written either way
        print(f"note: load_bundle refuses the bundle for now: {exc}", file=sys.stderr)
    return out


def evaluate(bundle: Path, limit: int | None = None) -> dict:
    """WER of a bundle through the engine's own offline path (decode -> causal mouth crop ->
    backbone -> head -> lip decoder) on the sentences never trained on: the 40 validation
    sentences, the 20 raw sentences' H.264 copies and their original MPEG-1 files."""
    from engine.runners.offline import analyze_file
    from engine.core.settings import EngineSettings

    ids = split_ids()
    sets = {"val_h264": [GRID / "video" / f"{i}.mp4" for i in ids["val"]],
            "raw_h264": [GRID / "video" / f"{i}.mp4" for i in ids["raw"]],
            "raw_mpeg1": [GRID / "raw" / f"{i}.mpg" for i in ids["raw"]]}
    report: dict = {}
    for name, clips in sets.items():
        errs = words = 0
        t0 = time.time()
        frames = 0
        for clip in clips[:limit]:
            res = analyze_file(clip, bundle, EngineSettings(device="cpu"))
            ref = [w for _, _, w in read_align(GRID / "align" / f"{clip.stem}.align")]
            errs += wer(ref, [t.text for t in res.tokens])
            words += len(ref)
            frames += res.frames
        report[name] = {"wer": round(errs / max(1, words), 4), "words": words,
                        "clips": len(clips[:limit]), "fps_end_to_end": round(frames / (time.time() - t0), 1)}
        print(name, report[name], flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models.lipread")
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--face", required=True, type=Path)
    e.add_argument("--part", type=int, default=0)
    e.add_argument("--parts", type=int, default=1)
    t = sub.add_parser("train")
    t.add_argument("--out", required=True, type=Path)
    t.add_argument("--minutes", type=float, default=60.0)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--resume", type=Path)
    t.add_argument("--letter-weight", type=float, default=1.0, help="frame cross-entropy weight of the letter words")
    x = sub.add_parser("export")
    x.add_argument("ckpt", type=Path)
    x.add_argument("out", type=Path)
    x.add_argument("--face", type=Path, help="folder with the exported MTCNN graphs (default: export them)")
    v = sub.add_parser("evaluate")
    v.add_argument("bundle", type=Path)
    v.add_argument("--limit", type=int)
    v.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "evaluate":
        rep = evaluate(args.bundle, args.limit)
        if args.json:
            args.json.write_text(json.dumps(rep, indent=2) + "\n")
        if args.limit is None:
            # The figures measured through the app's own path go into the bundle's manifest
            # (the manifest is not checksummed; the graphs it lists are).
            mpath = args.bundle / "manifest.json"
            data = json.loads(mpath.read_text(encoding="utf-8"))
            data.setdefault("training", {})["engine_wer"] = rep
            mpath.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif args.cmd == "export":
        export(args.ckpt, args.out, args.face)
    elif args.cmd == "extract":
        extract(args.face, part=args.part, parts=args.parts)
    elif args.cmd == "train":
        train(args.out, args.minutes, batch=args.batch, lr=args.lr, threads=args.threads, resume=args.resume,
              letter_weight=args.letter_weight)
    return 0


if __name__ == "__main__":
    sys.exit(main())
