"""The annotated video: the source re-encoded as H.264 MP4 with the overlay burned in.

Every source frame is kept (same count, same timestamps, so the same duration); each shows the
record in force at its time (the newest record at or before it): a band along the top with
the label and its confidence, or the state in brackets, in the colours the GUI uses (grey
when the app does not answer); for lip bundles the word being said (from the timed words; the
words so far in grey between words) and the boxes frame stages found (the mouth). The source's first audio stream is copied packet for packet when
MP4 can hold its codec, and re-encoded to AAC otherwise.

Encoding uses PyAV's libx264 (OpenCV's writers cannot produce H.264 here); the file is written
atomically (engine/io/exports.py).
"""

from __future__ import annotations

import bisect
import threading
from fractions import Fraction
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from engine.core.errors import EngineError, SourceError
from engine.io.exports import atomic_path
from engine.io.results import AnalysisResult
from engine.tasks import reports_words

_GREEN, _GREY = (40, 160, 60), (110, 110, 110)


class _Overlay:
    """Which record is in force at a time, and how it is drawn."""

    def __init__(self, result: AnalysisResult) -> None:
        self.records = list(result.predictions)
        self.times = [r.pts_s for r in self.records]
        self.action = not reports_words(result.task)
        # Sequence tasks show the word being said at each moment: the timed tokens, which
        # know it exactly (a record only learns it after the model's look-ahead).
        self.tokens = list(result.tokens)
        self.token_starts = [t.start_s for t in self.tokens]

    def at(self, t: float):
        i = bisect.bisect_right(self.times, t + 1e-6) - 1
        return self.records[i] if i >= 0 else None

    def draw(self, image: np.ndarray, t: float) -> np.ndarray:
        rec = self.at(t)
        h, w = image.shape[:2]
        band = max(18, h // 10)
        scale = band / 34.0
        state = rec.state.value if rec is not None else "warming_up"
        if self.action:
            if rec is not None and rec.label is not None:
                text, colour = f"{rec.label}  {rec.confidence:.2f}", _GREEN
            else:
                text, colour = f"({state.replace('_', ' ')})", _GREY
        else:
            i = bisect.bisect_right(self.token_starts, t + 1e-6) - 1
            word = self.tokens[i] if i >= 0 and t < self.tokens[i].end_s else None
            said = " ".join(tok.text for tok in self.tokens[: i + 1])[-40:]
            text = word.text if word else (said or f"({state.replace('_', ' ')})")
            colour = _GREEN if word else _GREY
        image[:band] = (image[:band].astype(np.uint16) * 2 // 5 + np.array(colour, np.uint16) * 3 // 5).astype(np.uint8)
        cv2.putText(image, text, (max(4, band // 4), int(band * 0.72)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (255, 255, 255), max(1, round(scale * 2)), cv2.LINE_AA)
        for region in getattr(rec, "regions", ()) if rec is not None else ():
            x0, y0, x1, y1 = region.box
            cv2.rectangle(image, (x0, y0), (x1, y1), (255, 210, 0), max(1, w // 320))
        return image


def write_annotated_video(
    result: AnalysisResult,
    source: str | Path,
    target: str | Path,
    *,
    progress: Callable[[float, float], None] | None = None,
    cancel: threading.Event | None = None,
    crf: int = 23,
) -> Path:
    """Re-encode ``source`` to ``target`` (H.264 MP4) with ``result``'s overlay burned in and
    its audio kept. Raises SourceError if the source cannot be read; cancelling (``cancel``)
    raises EngineError and leaves no file."""
    import av

    from engine.io.video_file import VideoFileSource

    target = Path(target)
    src = VideoFileSource(source)
    overlay = _Overlay(result)
    try:
        with atomic_path(target) as tmp:
            out = av.open(str(tmp), "w", format="mp4")
            try:
                rate = Fraction(src.fps).limit_denominator(100000) if src.fps else Fraction(25)
                vs = out.add_stream("libx264", rate=rate)
                vs.width, vs.height = src.size[0] - src.size[0] % 2, src.size[1] - src.size[1] % 2
                vs.pix_fmt = "yuv420p"
                vs.time_base = Fraction(1, 90000)
                vs.options = {"crf": str(crf), "preset": "veryfast"}
                audio = _AudioCopy(source, out)
                last_pts = -1
                total = src.duration_s or 0.0
                frame_dt = 1.0 / float(rate)
                for frame in src.frames():
                    if cancel is not None and cancel.is_set():
                        raise EngineError("annotated video cancelled")
                    image = overlay.draw(frame.image, frame.pts_s)[: vs.height, : vs.width]
                    vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
                    pts = max(round(frame.pts_s * 90000), last_pts + 1)  # strictly increasing for MP4
                    vf.pts, vf.time_base = pts, vs.time_base
                    last_pts = pts
                    audio.mux_until(frame.pts_s + frame_dt)
                    for packet in vs.encode(vf):
                        out.mux(packet)
                    if progress is not None:
                        progress(frame.pts_s, total)
                for packet in vs.encode():
                    out.mux(packet)
                audio.mux_until(float("inf"))
                audio.close()
            finally:
                out.close()
    except av.error.FFmpegError as exc:
        raise EngineError(f"could not write the annotated video {target.name}: {exc}") from exc
    finally:
        src.close()
    if not target.is_file():
        raise SourceError(f"the annotated video {target} was not written")
    return target


class _AudioCopy:
    """The source's first audio stream, muxed into ``out`` in time order beside the video."""

    def __init__(self, source: str | Path, out) -> None:
        import av

        self.container = av.open(str(source))
        streams = self.container.streams.audio
        self.stream = streams[0] if streams else None
        self.out = out
        self.encoder = None
        self.packets = None
        self.done = self.stream is None
        if self.done:
            self.container.close()
            return
        self.start = self.stream.start_time or 0
        try:
            self.ostream = out.add_stream_from_template(self.stream)
            self.copy = True
        except (ValueError, av.error.FFmpegError):
            self.ostream = out.add_stream("aac", rate=self.stream.codec_context.sample_rate or 44100)
            self.copy = False
        self.packets = self.container.demux(self.stream)
        self.pending = None

    def _time(self, packet) -> float:
        ts = packet.pts if packet.pts is not None else packet.dts
        return float((ts - self.start) * packet.time_base) if ts is not None else 0.0

    def mux_until(self, t: float) -> None:
        """Mux every audio packet that starts before ``t`` seconds."""
        while not self.done:
            packet = self.pending if self.pending is not None else next(self.packets, None)
            self.pending = None
            if packet is None:
                self.done = True
                if not self.copy:
                    for p in self.ostream.encode(None):
                        self.out.mux(p)
                return
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if self._time(packet) >= t:
                self.pending = packet
                return
            if self.copy:
                if packet.pts is not None:
                    packet.pts -= self.start
                if packet.dts is not None:
                    packet.dts -= self.start
                packet.stream = self.ostream
                self.out.mux(packet)
            else:
                for frame in packet.decode():
                    frame.pts = None
                    for p in self.ostream.encode(frame):
                        self.out.mux(p)

    def close(self) -> None:
        """Close the audio source."""
        if self.stream is not None:
            self.container.close()
