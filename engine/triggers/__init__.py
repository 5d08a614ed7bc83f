"""Act on what is seen: rules that run a command, POST to a URL or write a JSON-lines stream when a
label (or a lip word) holds long enough, the same in the app and headless.

    rules.py      the versioned rules file: Rule, load/save/parse (RulesError names the bad field),
                  where the app keeps each bundle's rules
    evaluator.py  RuleEvaluator: records -> RuleEvent (hold and cool-down on the records' own time)
    targets.py    CommandTarget, HttpTarget, StdoutStream, FileStream, TcpStream (loopback by default)
    dispatch.py   RuleRunner: evaluate on the caller's thread, send on one worker thread per target,
                  report a failing target once
"""

from engine.triggers.dispatch import RuleRunner, TargetStats
from engine.triggers.evaluator import RuleEvaluator, RuleEvent
from engine.triggers.rules import (
    ACTIONS,
    Rule,
    check_labels,
    load_rules,
    parse_rules,
    rules_path_for,
    save_rules,
)

__all__ = ["ACTIONS", "Rule", "RuleEvaluator", "RuleEvent", "RuleRunner", "TargetStats", "check_labels",
           "load_rules", "parse_rules", "rules_path_for", "save_rules"]
