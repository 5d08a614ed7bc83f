"""Video files and network streams decoded by PyAV (FFmpeg), with real presentation timestamps.

A file that breaks part-way yields the frames that decode and adds a line to ``warnings``
(:func:`stopped_warning`); one that cannot be opened or decoded at all raises a typed error.
"""

from __future__ import annotations

import math
import re
import threading
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from engine.core.errors import DecodeError, SourceError, SourceNotFound, SourceOpenError
from engine.core.frames import Frame, FrameFilter, FrameSource
from engine.core.runtime import usable_cores

URL_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")  # scheme://...: a stream, not a path


def _quiet_av() -> None:
    # FFmpeg's own log lines would interleave with the CLI's output; errors reach users as
    # typed exceptions and warnings instead.
    try:
        import av.logging

        av.logging.set_level(None)
    except Exception:  # noqa: BLE001 - logging control is cosmetic
        pass


class VideoFileSource(FrameSource):
    """A video file or network stream decoded by PyAV (FFmpeg), with real timestamps.

    pts_s counts from the stream's start time. For URLs (``is_live``) pts_s counts from the
    first frame received and seeking is refused.
    """

    def __init__(self, spec: str | Path, *, live: bool | None = None, open_timeout_s: float = 10.0) -> None:
        super().__init__()
        import av

        _quiet_av()
        self._spec = str(spec)
        is_url = bool(URL_PATTERN.match(self._spec))
        self.is_live = is_url if live is None else live
        self.name = self._spec if is_url else Path(self._spec).name
        if not is_url:
            path = Path(self._spec).expanduser()
            if not path.exists():
                raise SourceNotFound(f"video file not found: {path}")
            if path.is_dir():
                raise SourceOpenError(f"{path} is a folder, not a video file")
            self._spec = str(path)
        options = {}
        if is_url:
            # Microseconds: fail instead of hanging forever on a dead server.
            options = {"rw_timeout": str(int(open_timeout_s * 1e6)), "timeout": str(int(open_timeout_s * 1e6))}
        try:
            self._container = av.open(self._spec, options=options, timeout=open_timeout_s if is_url else None)
        except FileNotFoundError as exc:
            raise SourceNotFound(f"video not found: {self._spec}") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            what = "stream" if is_url else "file"
            raise SourceOpenError(
                f"cannot open {self.name} as video: {_av_reason(exc)}. Is the {what} a video FFmpeg can read "
                "(mp4, avi, mkv, mov, mpg...) and complete?"
            ) from exc
        if not self._container.streams.video:
            kinds = sorted({st.type for st in self._container.streams} - {"video"})
            self._container.close()
            held = f" (it holds only {' and '.join(kinds)})" if kinds else ""
            raise SourceOpenError(f"{self.name} has no video stream{held}; open a video file")
        self._stream = self._container.streams.video[0]
        # Frame threading only pays where cores are left over beside ONNX Runtime's threads;
        # on small machines its extra threads slowed offline analysis and add frames of latency.
        self._stream.thread_type = "AUTO" if usable_cores() > 4 else "NONE"
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        self.fps = float(rate) if rate else 0.0
        self.size = (int(s.codec_context.width), int(s.codec_context.height))
        # Phones store portrait video as landscape frames plus a display matrix; frames are turned
        # the way players turn them (FFmpeg's autorotate), so the model sees people upright.
        self.rotation = 0 if self.is_live else _display_rotation(self._spec)
        if self.rotation in (90, 270):
            self.size = (self.size[1], self.size[0])
        self._time_base = s.time_base or Fraction(1, 1000000)
        self._start_pts = s.start_time if s.start_time is not None else 0
        if self.is_live:
            self.duration_s = None
            self.frame_count = None
        else:
            if s.duration is not None:
                self.duration_s = float(s.duration * self._time_base)
            elif self._container.duration is not None:
                self.duration_s = self._container.duration / 1e6
            self.frame_count = int(s.frames) if s.frames else (
                round(self.duration_s * self.fps) if self.duration_s and self.fps else None
            )
        # AVI stores no presentation times: with B-frames FFmpeg's pts come out in decode
        # order while dts count frames in display order, so trust dts there.
        self._dts_first = "avi" in (self._container.format.name or "").split(",")
        self._reset_timestamps()
        self._seek_to: float | None = None
        self._iterated = False
        self._lock = threading.Lock()
        self._closed = False
        # One colour converter for every frame: ``frame.to_ndarray(format="rgb24")`` makes a new
        # swscale context per frame (PyAV 18). Reused: 0.23 -> 0.12 CPU ms per converted frame of
        # the shared clips (docs/benchmarks.md, issue 24), the same pixels
        # (tests/engine/io/test_rgb_conversion.py).
        from av.video.reformatter import VideoReformatter

        self._rgb = VideoReformatter()

    def seek(self, t_s: float) -> None:
        if self.is_live:
            raise SourceError(f"{self.name} is a live stream and cannot seek")
        with self._lock:
            self._seek_to = max(0.0, float(t_s))

    def _reset_timestamps(self) -> None:
        self._faulty_pts = self._faulty_dts = 0
        self._last_pts = self._last_dts = None

    def _pts_s(self, frame, index: int) -> float:
        # FFmpeg's guess_correct_pts: decoders emit frames in presentation order, so whichever
        # of pts / dts has gone backwards less often is the real clock. AVI files with B-frames
        # carry pts in decode order (1, 2, 4, 3, ...) but monotonic dts.
        pts, dts = frame.pts, frame.dts
        if pts is not None:
            self._faulty_pts += self._last_pts is not None and pts <= self._last_pts
            self._last_pts = pts
        if dts is not None:
            self._faulty_dts += self._last_dts is not None and dts <= self._last_dts
            self._last_dts = dts
        if pts is not None and (dts is None or (not self._dts_first and self._faulty_pts <= self._faulty_dts)):
            ts = pts
        elif dts is not None:
            ts = dts
        else:
            return index / self.fps if self.fps else 0.0
        return float((ts - self._start_pts) * self._time_base)

    def _take_seek_s(self) -> float | None:
        with self._lock:
            pending, self._seek_to = self._seek_to, None
        return pending

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, want: FrameFilter | None = None) -> Iterator[Frame]:
        import av

        if self._closed:
            raise SourceError(f"{self.name} was closed")
        delivered = 0
        index = 0
        last_pts = -1.0
        live_origin: float | None = None
        skip_until: float | None = None
        self._reset_timestamps()
        pending = self._take_seek_s()
        if pending is None and self._iterated and not self.is_live:
            pending = 0.0  # a new pass starts at the beginning, like the other file-like sources
        self._iterated = True
        if pending is not None:
            skip_until, index = self._do_seek(pending)
        skipper = _NonRefSkipper.for_source(self, want) if skip_until is None else None
        decoder = skipper.decode() if skipper is not None else self._container.decode(self._stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError, ValueError) as exc:
                if delivered == 0 and index == 0:
                    raise DecodeError(
                        f"could not decode any frame of {self.name}: {_av_reason(exc)}", frames_decoded=0
                    ) from exc
                # Count every decoded frame, not only those ``want`` kept: the analysis header and
                # this warning must give the same number.
                self.frames_decoded = index
                self._warn_stopped(last_pts, index, _av_reason(exc))
                return
            if skipper is not None and frame.pts is not None:
                index += skipper.skipped_before(frame.pts)  # frames never decoded still count
            pts = self._pts_s(frame, index)
            if self.is_live:
                live_origin = pts if live_origin is None else live_origin
                pts -= live_origin
            if skip_until is not None:
                if pts < skip_until - 1e-3:
                    continue  # decoding forward from the key frame before the target
                skip_until = None
                index = round(pts * self.fps) if self.fps else index
            if not want or want(index, pts):
                # FFmpeg pads rows to an aligned stride: copy only when that made a non-contiguous view.
                image = np.ascontiguousarray(self._rgb.reformat(frame, format="rgb24").to_ndarray())
                if self.rotation:  # counterclockwise, as the display matrix says
                    image = np.ascontiguousarray(np.rot90(image, self.rotation // 90))
                yield Frame(index=index, pts_s=pts, image=image)
                delivered += 1
            last_pts = pts
            index += 1
            pending = self._take_seek_s()
            if pending is not None:
                skip_until, index = self._do_seek(pending)
                if skipper is not None:
                    skipper.close()
                    skipper = None  # after a seek, every frame is decoded again (indices restart there)
                decoder = self._container.decode(self._stream)
        if skipper is not None:
            index += skipper.skipped_before(None)  # skipped frames after the last decoded one
            skipper.close()
        self.frames_decoded = index
        if index == 0 and skip_until is None:
            raise DecodeError(f"{self.name} contains no decodable video frames", frames_decoded=0)
        self._check_complete(index, last_pts)

    def _do_seek(self, t_s: float) -> tuple[float, int]:
        offset = int(t_s / self._time_base) + self._start_pts
        try:
            self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        except Exception as exc:  # noqa: BLE001 - FFmpeg refuses seeks in some containers
            raise SourceError(f"cannot seek {self.name} to {t_s:.2f} s: {_av_reason(exc)}") from exc
        self._reset_timestamps()
        return t_s, round(t_s * self.fps) if self.fps else 0

    def _check_complete(self, frames_seen: int, last_pts: float) -> None:
        # FFmpeg often just stops at a truncated or damaged file without an error: compare what
        # came out with what the header promised.
        if self.is_live or not self.frame_count or not self.fps:
            return
        expected_last = (self.frame_count - 1) / self.fps
        missing = self.frame_count - frames_seen
        if missing > max(2, 0.02 * self.frame_count) and last_pts < expected_last - max(0.5, 3 / self.fps):
            self._warn_stopped(last_pts, frames_seen, f"the file ends early (its header promises {self.frame_count} frames)")

    def _warn_stopped(self, last_pts: float, frames: int, reason: str) -> None:
        self.stopped_at_s = max(last_pts, 0.0)
        msg = stopped_warning(self.name, last_pts, frames, self.duration_s, reason)
        # Only collected, never logged: callers show ``warnings`` themselves (logging it too
        # printed every warning twice in the CLI, once without its "kinesight: warning:" prefix).
        self.warnings.append(msg)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._container.close()
            except Exception:  # noqa: BLE001 - closing a broken container must not raise
                pass


class _NonRefSkipper:
    """Decode only what the model clock can use: frames no sampled frame depends on are not
    decoded at all (FFmpeg's ``skip_frame = NONREF``, set packet by packet).

    A packet is skipped when its frame cannot be sampled: ``want`` already says no (the model
    clock is past its time), or another frame of the same model-clock tick interval comes
    before it in presentation order (the clock takes the first frame at or after a tick, so
    only the first of each interval can be sampled). The decoder still decodes the packet if
    it turns out to be a reference frame (other frames need it), so skipping never changes
    which frames reach the model: live and offline sample the same frames. Skipped frames
    still count in frame indices (``skipped_before``).

    Used for files only (not streams), when ``want`` says its clock rate (``sample_fps``) and
    packets carry presentation times (not AVI, whose pts may be in decode order).
    """

    def __init__(self, source: "VideoFileSource", want: FrameFilter, sample_fps: float) -> None:
        self.source = source
        self.want = want
        self.sample_fps = sample_fps
        self.codec = source._stream.codec_context
        self._first_in_tick: dict[int, int] = {}  # model-clock interval -> smallest pts seen
        self._skipped: list[int] = []  # heap of skipped packets' pts
        self.skipped = 0

    @classmethod
    def for_source(cls, source: "VideoFileSource", want: FrameFilter | None) -> "_NonRefSkipper | None":
        """A skipper for this pass, or None where skipping could change the frames sampled."""
        rate = getattr(want, "sample_fps", None)
        if want is None or not rate or source.is_live or source._dts_first:
            return None
        return cls(source, want, float(rate))

    def decode(self) -> Iterator:
        """The stream's frames, decoded packet by packet with the skip decision per packet."""
        import heapq

        from engine.core.window import TICK_TOLERANCE_S

        src = self.source
        for packet in src._container.demux(src._stream):
            skip = False
            if packet.pts is not None and packet.size and not packet.is_keyframe:
                t = float((packet.pts - src._start_pts) * src._time_base)
                tick = math.floor((t + TICK_TOLERANCE_S) * self.sample_fps)
                first = self._first_in_tick.get(tick)
                skip = (first is not None and first < packet.pts) or not self.want(-1, t)
                if first is None or packet.pts < first:
                    self._first_in_tick[tick] = packet.pts
                    self._first_in_tick.pop(tick - 64, None)  # bounded: reordering never spans that far
            self.codec.skip_frame = "NONREF" if skip else "DEFAULT"
            if skip:
                heapq.heappush(self._skipped, packet.pts)
            yield from packet.decode()

    def skipped_before(self, pts: int | None) -> int:
        """How many skipped (never output) frames come before the frame at ``pts`` (None: all
        the rest); a skipped packet whose frame was decoded anyway is dropped uncounted."""
        import heapq

        n = 0
        while self._skipped and (pts is None or self._skipped[0] <= pts):
            if heapq.heappop(self._skipped) != pts:
                n += 1
        self.skipped += n
        return n

    def close(self) -> None:
        """Decode every frame again (the codec context outlives this pass)."""
        try:
            self.codec.skip_frame = "DEFAULT"
        except Exception:  # noqa: BLE001 - a closed container
            pass


def stopped_warning(name: str, last_pts: float, frames: int, duration_s: float | None, reason: str) -> str:
    """The warning of a file that stopped decoding part-way (``frames``: every frame decoded)."""
    total = f" of {duration_s:.1f} s" if duration_s else ""
    return (f"{name}: decoding stopped at {max(last_pts, 0):.2f} s{total}: {reason}; "
            f"{frames} frame{'' if frames == 1 else 's'} decoded. The file is probably truncated or damaged.")


def _display_rotation(path: str) -> int:
    """The display matrix's rotation of a file's video (0, 90, 180 or 270 degrees counterclockwise),
    read from its first frame in a container of its own (so the main one stays at the start)."""
    import av

    try:
        with av.open(path) as c:
            for frame in c.decode(video=0):
                return int(round((getattr(frame, "rotation", 0) or 0) / 90.0)) * 90 % 360
    except Exception:  # noqa: BLE001 - no readable first frame: decoding reports that, not this
        return 0
    return 0


def _av_reason(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return str(msg).strip().rstrip(".") or type(exc).__name__
