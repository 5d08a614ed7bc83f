"""Rules acting for real: a command (a real subprocess), an HTTP POST to a real local server, a
failing command and an unreachable URL reported once, and the TCP stream read by another process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.triggers import Rule, RuleRunner
from tests.engine.triggers.test_rules import stream

HOLDS = [(1.0, "waving", 0.9), (0.5, "idle", 0.9)] * 3  # three holds of "waving" in 4.5 s


@pytest.fixture
def http_server():
    """A real http.server on a free loopback port, keeping every POST it gets."""
    got: list[dict] = []
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with arrived:
                got.append({"path": self.path, "type": self.headers["Content-Type"], "event": json.loads(body)})
                arrived.notify_all()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", got
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_command_and_http_post_fire_with_cool_down(tmp_path, http_server):
    url, posts = http_server
    out = tmp_path / "fired.txt"
    script = tmp_path / "on_event.py"
    # the event arrives on stdin as JSON and as KINESIGHT_* variables
    script.write_text("import json, os, sys\nev = json.load(sys.stdin)\n"
                      f"open({str(out)!r}, 'a').write(ev['label'] + ' ' + os.environ['KINESIGHT_START'] + '\\n')\n")
    rules = [Rule(name="run", label="waving", hold_s=0.5, cooldown_s=1.0, action="command",
                  target=f"{sys.executable} {script}"),
             Rule(name="post", label="waving", hold_s=0.5, cooldown_s=10.0, action="http", target=url + "/hook")]
    warnings: list[str] = []
    runner = RuleRunner(rules, source="clip.mp4", bundle="demo", on_warning=warnings.append)
    try:
        for p in stream(HOLDS):
            runner.feed(p)
        assert runner.wait_idle(20.0)
    finally:
        runner.close()
    assert warnings == []
    # cool-down 1 s: every hold (0.0, 1.5, 3.0 s) runs the command; 10 s: one POST
    assert out.read_text().split("\n")[:-1] == ["waving 0.0", "waving 1.5", "waving 3.0"]
    assert len(posts) == 1
    assert posts[0]["path"] == "/hook" and posts[0]["type"] == "application/json"
    assert posts[0]["event"] == {"type": "event", "rule": "post", "label": "waving", "confidence": 0.9,
                                 "start": 0.0, "end": 0.5, "source": "clip.mp4", "bundle": "demo"}


def test_failing_command_and_unreachable_url_are_reported_once_and_events_keep_flowing(tmp_path, http_server):
    url, posts = http_server
    log = tmp_path / "events.jsonl"
    rules = [Rule(name="broken", label="waving", hold_s=0.5, cooldown_s=0.0, action="command",
                  target=f"{sys.executable} -c 'import sys; sys.exit(\"no printer\")'"),
             Rule(name="missing", label="waving", hold_s=0.5, cooldown_s=0.0, action="command",
                  target="/nonexistent/kinesight-notify"),
             Rule(name="offline", label="waving", hold_s=0.5, cooldown_s=0.0, action="http",
                  target=f"http://127.0.0.1:{free_port()}/hook", timeout_s=2.0),
             Rule(name="ok", label="waving", hold_s=0.5, cooldown_s=0.0, action="http", target=url),
             Rule(name="log", label="waving", hold_s=0.5, cooldown_s=0.0, action="stream", target=str(log))]
    warnings: list[str] = []
    runner = RuleRunner(rules, on_warning=warnings.append)
    try:
        fired = [e for p in stream(HOLDS) for e in runner.feed(p)]
        assert runner.wait_idle(30.0)
    finally:
        runner.close()
    assert len(fired) == 5 * 3
    assert len(warnings) == 3, warnings  # one per failing target, though each failed three times
    text = "\n".join(warnings)
    assert "exited with code 1: no printer" in text
    assert "/nonexistent/kinesight-notify was not found" in text
    assert "cannot reach it" in text and "Recognition goes on" in text
    assert len(posts) == 3  # the working target got every event
    assert [json.loads(line)["start"] for line in log.read_text().splitlines()] == [0.0, 1.5, 3.0]
    failed = {s.name: s.failed for s in runner.stats if s.failed}
    assert sorted(failed.values()) == [3, 3, 3] and len(failed) == 3


def test_a_slow_command_never_holds_back_the_caller(tmp_path):
    rule = Rule(name="slow", label="waving", hold_s=0.0, cooldown_s=0.0, action="command",
                target=f"{sys.executable} -c 'import time; time.sleep(1)'", timeout_s=0.5)
    warnings: list[str] = []
    runner = RuleRunner([rule], on_warning=warnings.append)
    t0 = time.perf_counter()
    for p in stream([(1.0, "waving", 0.9)]):
        runner.feed(p)
    fed_in = time.perf_counter() - t0
    assert runner.wait_idle(20.0)
    runner.close()
    assert fed_in < 0.2  # 8 events queued, not run on the caller's thread
    assert len(warnings) == 1 and "longer than 0.5 s" in warnings[0]


CLIENT = """
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("connected", flush=True)
f = s.makefile("r", encoding="utf-8")
for _ in range(int(sys.argv[2])):
    print(f.readline().strip(), flush=True)
"""


def test_tcp_event_stream_is_read_by_other_processes():
    rule = Rule(name="wave", label="waving", hold_s=0.5, cooldown_s=0.0, on_end=True, action="stream",
                target="tcp://127.0.0.1:0")
    runner = RuleRunner([rule], source="camera 0", bundle="demo")
    port = runner.target_of("wave").port
    clients = [subprocess.Popen([sys.executable, "-c", CLIENT, str(port), "6"], stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    try:
        for c in clients:
            assert c.stdout.readline().strip() == "connected"
        server = runner.target_of("wave")
        deadline = time.monotonic() + 10
        while server.clients < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.clients == 2
        for p in stream(HOLDS):
            runner.feed(p)
        outs = [c.communicate(timeout=20)[0].splitlines() for c in clients]
    finally:
        runner.close()
        for c in clients:
            c.kill()
    for lines in outs:
        events = [json.loads(line) for line in lines]
        assert [(e["type"], e["start"], e["end"]) for e in events] == [
            ("event", 0.0, 0.5), ("event_end", 0.0, 0.875), ("event", 1.5, 2.0), ("event_end", 1.5, 2.375),
            ("event", 3.0, 3.5), ("event_end", 3.0, 3.875)]
        assert events[0]["source"] == "camera 0" and events[0]["label"] == "waving"


def test_a_port_in_use_turns_only_that_rule_off():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        warnings: list[str] = []
        runner = RuleRunner([Rule(name="tcp", label="waving", target=f"tcp://127.0.0.1:{port}"),
                             Rule(name="file", label="waving", target="/dev/null")], on_warning=warnings.append)
        runner.close()
    assert len(warnings) == 1 and "cannot listen on 127.0.0.1" in warnings[0] and "'tcp'" in warnings[0]


def test_events_beyond_a_full_queue_are_dropped_and_said_once():
    from engine.triggers.dispatch import QUEUE_SIZE

    rule = Rule(name="slow", label="waving", hold_s=0.0, cooldown_s=0.0, action="command",
                target=f"{sys.executable} -c 'import time; time.sleep(0.3)'")
    warnings: list[str] = []
    runner = RuleRunner([rule], on_warning=warnings.append)
    try:
        fired = [e for p in stream([(0.125, "waving", 0.9), (0.125, "idle", 0.9)] * QUEUE_SIZE * 2) for e in runner.feed(p)]
        (stats,) = runner.stats
        assert stats.dropped >= QUEUE_SIZE - 1  # memory stays bounded however slow the target
    finally:
        runner.close(timeout=0.1)  # what is still queued is dropped, not run after the close
    assert len(fired) == QUEUE_SIZE * 2
    assert len(warnings) == 1 and "faster than it takes them" in warnings[0]
    (worker,) = runner.threads()
    worker.join(timeout=5.0)  # the command under way ends (0.3 s); nothing queued follows it
    assert not worker.is_alive() and stats.sent + stats.dropped + stats.failed == QUEUE_SIZE * 2
