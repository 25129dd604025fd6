#!/usr/bin/env python3
"""Summarise the --events lines of a pinwheel stderr file, one line each.

usage: events.py STDERR_FILE
Every line that starts with '{' must be one JSON object with "event"
(exit 1 naming the line otherwise); other lines (messages) are skipped.
Root ids become ROOT when they are 64 hex digits; "ms" becomes "ms" when
it is a non-negative integer; urls are reduced to their last component.
"""
import json
import re
import sys


def url_tail(u):
    return u.rsplit("/", 1)[-1] if u else "-"


def main():
    out = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("{"):
                continue
            try:
                e = json.loads(line)
            except ValueError as x:
                print(f"line {n}: not JSON: {x}")
                return 1
            ev = e.get("event")
            ms = e.get("ms")
            ms_s = " ms" if isinstance(ms, int) and ms >= 0 else ""
            if ev == "resolve":
                s = (f"resolve {e['status']} {e['target']} {e['block']} {e['provider']} "
                     f"{e['index']}/{e['of']}{ms_s}")
                if "error" in e:
                    s += " error=" + e["error"]
            elif ev == "download":
                s = f"download {e['status']} {e.get('target', '-')} {e['name']} {url_tail(e.get('url'))}"
                s += f" size={e['size']}" if e["status"] == "start" else f" bytes={e['bytes']}"
            elif ev == "compose":
                s = f"compose {e['status']} {e['command']} {e['target']} layers={e['layers']}"
                if e["status"] == "done":
                    root = "ROOT" if re.fullmatch(r"[0-9a-f]{64}", e["root"]) else e["root"]
                    s += f" root={root} trees={e['trees']} built={e['built']}"
            elif ev == "done":
                s = f"done {e['command']} {e['status']}{ms_s}"
                if e["command"] == "fetch":
                    s += f" artifacts={e['artifacts']} cached={e['cached']} bytes={e['downloaded_bytes']}"
            else:
                s = f"unknown event {ev!r}"
            out.append(s)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
