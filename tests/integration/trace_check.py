#!/usr/bin/env python3
"""Checks on a Chrome trace-event file written by `cell --trace FILE`.

    trace_check.py FILE valid
    trace_check.py FILE order ROLE STEP STEP...     first spans start in order
    trace_check.py FILE within ROLE STEP ROLE2 STEP2 every STEP2 span of ROLE2
                                                    lies inside a ROLE/STEP one
    trace_check.py FILE nested ROLE                 ROLE's spans nest properly
    trace_check.py FILE steps ROLE                  print ROLE's step names

ROLE is a process track: "runtime" (named "cell <verb>"), "init", "exec".
Exits 1 with a message on the first failed check.
"""
import json
import sys


def fail(msg):
    print("trace_check: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        doc = json.load(f)
    events = doc.get("traceEvents")
    if not isinstance(events, list) or not events:
        fail("no traceEvents")
    roles = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "process_name":
            name = e["args"]["name"]
            role = "runtime" if name.startswith("cell ") else name.split()[0]
            roles[e["pid"]] = role
    spans = {}
    for e in events:
        for key in ("name", "ph", "ts", "pid", "tid"):
            if key not in e and not (key == "ts" and e.get("ph") == "M"):
                fail("event without %s: %r" % (key, e))
        if e["ph"] == "X":
            if not isinstance(e.get("dur"), int) or e["dur"] < 0:
                fail("span without a duration: %r" % e)
            if e["pid"] not in roles:
                fail("span of a process with no name: %r" % e)
            spans.setdefault(roles[e["pid"]], []).append(e)
    for role in spans:
        spans[role].sort(key=lambda e: (e["ts"], -e["dur"]))
    return roles, spans


def role_spans(spans, role):
    if role not in spans:
        fail("no spans of %s (have %s)" % (role, sorted(spans)))
    return spans[role]


def main():
    path, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    roles, spans = load(path)
    if cmd == "valid":
        return
    if cmd == "steps":
        for e in role_spans(spans, args[0]):
            print(e["name"])
        return
    if cmd == "order":
        mine = role_spans(spans, args[0])
        last = -1
        for step in args[1:]:
            starts = [e["ts"] for e in mine if e["name"] == step]
            if not starts:
                fail("%s has no step %r (has %s)" % (args[0], step,
                     [e["name"] for e in mine]))
            if starts[0] < last:
                fail("%s: %r starts before the step before it" % (args[0], step))
            last = starts[0]
        return
    if cmd == "within":
        outer = [e for e in role_spans(spans, args[0]) if e["name"] == args[1]]
        inner = [e for e in role_spans(spans, args[2]) if e["name"] == args[3]]
        if not outer or not inner:
            fail("no %s/%s or no %s/%s" % tuple(args))
        for i in inner:
            if not any(o["ts"] <= i["ts"] and
                       i["ts"] + i["dur"] <= o["ts"] + o["dur"] for o in outer):
                fail("%s/%s [%d, +%d] is outside every %s/%s" %
                     (args[2], args[3], i["ts"], i["dur"], args[0], args[1]))
        return
    if cmd == "nested":
        # spans of one process either nest or follow each other
        mine = role_spans(spans, args[0])
        for a in mine:
            for b in mine:
                if a is b or not (a["ts"] <= b["ts"] < a["ts"] + a["dur"]):
                    continue
                if b["ts"] + b["dur"] > a["ts"] + a["dur"]:
                    fail("%s: %r overlaps %r without nesting" %
                         (args[0], b["name"], a["name"]))
        return
    fail("unknown check " + cmd)


main()
