"""The rules file: "when LABEL holds for >= hold_s seconds with confidence >= min_confidence, do
ACTION TARGET, then wait cooldown_s", versioned JSON, checked field by field.

    {"format": "kinesight-rules", "format_version": 1, "bundle": "default-actions",
     "rules": [{"name": "wave", "label": "waving", "hold_s": 1.0, "min_confidence": 0.6,
                "cooldown_s": 10, "action": "command", "target": "notify-send 'waving'"}]}

``action`` is ``command`` (``target``: a command line, split like a shell would but run without
one unless ``shell`` is true), ``http`` (``target``: the URL the event is POSTed to as JSON) or
``stream`` (``target``: ``stdout``, ``tcp://127.0.0.1:PORT`` or a file path: one JSON line per
event). A TCP stream listens on loopback only unless the rule says ``allow_remote``.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import shlex
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from engine.bundles import bundle_name, user_data_dir
from engine.core.errors import RulesError

FORMAT = "kinesight-rules"
FORMAT_VERSION = 1
ACTIONS = ("command", "http", "stream")
STDOUT = "stdout"
TCP_SCHEME = "tcp://"
MAX_RULES = 200  # a file with more is a mistake, not a configuration


@dataclass(frozen=True)
class Rule:
    """One rule. ``label``: an action label, or a word for lip bundles; times in seconds of the
    source's own (media) time; ``timeout_s`` bounds a command or an HTTP POST; ``on_end`` also
    sends an ``event_end`` when a label that fired stops holding (action labels only)."""

    name: str
    label: str
    hold_s: float = 1.0
    min_confidence: float = 0.5
    cooldown_s: float = 10.0
    action: str = "stream"
    target: str = STDOUT
    timeout_s: float = 10.0
    on_end: bool = False
    enabled: bool = True
    shell: bool = False  # command: run the target through /bin/sh (off: no shell, no injection)
    allow_remote: bool = False  # tcp stream: may listen on an address other than loopback

    def validated(self, where: str = "rule") -> "Rule":
        """Self, or a :class:`RulesError` naming the first bad field (``where.field``)."""
        if not self.name.strip():
            raise RulesError("a rule needs a name", field=f"{where}.name")
        if not self.label.strip():
            raise RulesError("say which label or word the rule waits for", field=f"{where}.label")
        for key, low, high in (("hold_s", 0.0, 3600.0), ("min_confidence", 0.0, 1.0), ("cooldown_s", 0.0, 86400.0),
                               ("timeout_s", 0.1, 3600.0)):
            value = getattr(self, key)
            if not (math.isfinite(value) and low <= value <= high):
                raise RulesError(f"must be a number from {low:g} to {high:g}, not {value!r}", field=f"{where}.{key}")
        if self.action not in ACTIONS:
            raise RulesError(f"must be one of {', '.join(ACTIONS)}, not {self.action!r}", field=f"{where}.action")
        problem = target_problem(self)
        if problem:
            raise RulesError(problem, field=f"{where}.target")
        return self

    def argv(self) -> list[str]:
        """A command rule's program and arguments (no shell: split as a POSIX shell would)."""
        return ["/bin/sh", "-c", self.target] if self.shell else shlex.split(self.target)

    def tcp_address(self) -> tuple[str, int]:
        """A ``tcp://HOST:PORT`` stream's host and port."""
        parts = urlsplit(self.target)
        return parts.hostname or "", parts.port if parts.port is not None else -1

    def to_json(self) -> dict:
        """The rule as the file holds it."""
        return asdict(self)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def target_problem(rule: Rule) -> str:
    """Why ``rule.target`` is no target for its action ("" when it is fine)."""
    target = rule.target.strip()
    if not target:
        return {"command": "give the command to run", "http": "give the URL to POST to",
                "stream": f"give {STDOUT}, {TCP_SCHEME}127.0.0.1:PORT or a file path"}.get(rule.action, "empty")
    if rule.action == "command":
        try:
            return "" if rule.argv() else "give the command to run"
        except ValueError as exc:
            return f"cannot be split into a command and its arguments ({exc})"
    if rule.action == "http":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"must be an http:// or https:// URL, not {target!r}"
        return ""
    if target.startswith(TCP_SCHEME):
        try:
            host, port = rule.tcp_address()
        except ValueError:
            host, port = "", -1
        if not host or not 0 <= port <= 65535:
            return f"must be {TCP_SCHEME}HOST:PORT (e.g. {TCP_SCHEME}127.0.0.1:8765), not {target!r}"
        if not rule.allow_remote and not is_loopback(host):
            return (f"{host} is not a loopback address: other machines could read the events; "
                    "set allow_remote to true to listen there on purpose")
    return ""


_TYPES = {f.name: f.type for f in fields(Rule)}


def _rule_from_json(data, where: str) -> Rule:
    if not isinstance(data, dict):
        raise RulesError("must be an object with name, label, action and target", field=where)
    unknown = sorted(set(data) - set(_TYPES))
    if unknown:
        raise RulesError(f"unknown field (known: {', '.join(_TYPES)})", field=f"{where}.{unknown[0]}")
    for key in ("name", "label"):
        if key not in data:
            raise RulesError("is missing", field=f"{where}.{key}")
    values = {}
    for key, value in data.items():
        kind = _TYPES[key]
        if kind == "str" and not isinstance(value, str):
            raise RulesError(f"must be text, not {json.dumps(value)}", field=f"{where}.{key}")
        if kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise RulesError(f"must be a number, not {json.dumps(value)}", field=f"{where}.{key}")
        if kind == "bool" and not isinstance(value, bool):
            raise RulesError(f"must be true or false, not {json.dumps(value)}", field=f"{where}.{key}")
        values[key] = float(value) if kind == "float" else value
    return Rule(**values).validated(where)


def parse_rules(data) -> list[Rule]:
    """The rules of a parsed rules file; a :class:`RulesError` naming the first bad field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RulesError(f'not a Kinesight rules file (it must be a JSON object with "format": "{FORMAT}")',
                         field="format")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise RulesError(f"this Kinesight reads version {FORMAT_VERSION}, not {version!r}", field="format_version")
    rules = data.get("rules")
    if not isinstance(rules, list):
        raise RulesError("must be a list of rules", field="rules")
    if len(rules) > MAX_RULES:
        raise RulesError(f"at most {MAX_RULES} rules, not {len(rules)}", field="rules")
    parsed = [_rule_from_json(r, f"rules[{i}]") for i, r in enumerate(rules)]
    names = [r.name for r in parsed]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise RulesError(f"two rules are called {name!r}; names tell events apart", field=f"rules[{i}].name")
    return parsed


def load_rules(path: str | Path) -> list[Rule]:
    """The rules in a rules file; a :class:`RulesError` that says what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"rules file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"cannot read the rules file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    try:
        return parse_rules(data)
    except RulesError as exc:
        raise RulesError(f"{exc.reason} (in {path})", field=exc.field) from None


def rules_document(rules: list[Rule], bundle: str = "") -> dict:
    """The JSON object a rules file holds."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "bundle": bundle,
            "rules": [r.to_json() for r in rules]}


def save_rules(path: str | Path, rules: list[Rule], bundle: str = "") -> Path:
    """Write ``rules`` (checked first) to ``path`` whole: a temporary file renamed over it."""
    rules = [r.validated(f"rules[{i}]") for i, r in enumerate(rules)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(rules_document(rules, bundle), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def check_labels(rules: list[Rule], labels, bundle: str = "the bundle") -> None:
    """A :class:`RulesError` for the first enabled rule whose label ``labels`` lacks (it would never fire)."""
    known = set(labels)
    for i, r in enumerate(rules):
        if r.enabled and r.label not in known:
            shown = ", ".join(x for x in labels if not x.startswith("<"))
            raise RulesError(f"{r.label!r} is not a label of {bundle} (it knows: {shown})", field=f"rules[{i}].label")


def rules_dir() -> Path:
    """Where the app keeps each bundle's rules (``rules/`` in the user's Kinesight folder)."""
    return user_data_dir() / "rules"


def rules_path_for(bundle_path: str | Path) -> Path:
    """The rules file the app keeps for a bundle, by the bundle's name (never inside the bundle)."""
    return rules_dir() / f"{bundle_name(Path(bundle_path))}.json"
