"""WP cache upkeep for proofs/wp.sh.

  wp_cache.py prune DIR    removes every entry whose verdict is not "valid"

WP stores one JSON file per prover task, e.g.
  { "prover": "CVC4:1.8", "verdict": "timeout", "time": 30. }
and replays it whenever the same task comes again with the same settings.
A timeout, an "unknown" or a prover failure says as much about how busy
the machine was as about the goal, so only proofs may be replayed.
"""
import os
import re
import sys

# WP writes numbers such as "2." that strict JSON rejects, so the verdict is
# matched rather than parsed.
VERDICT = re.compile(r'"verdict"\s*:\s*"([a-z]+)"')


def prune(cache):
    kept = removed = 0
    for name in os.listdir(cache):
        if not name.endswith(".json"):
            continue
        path = os.path.join(cache, name)
        try:
            with open(path) as f:
                m = VERDICT.search(f.read())
        except OSError:
            m = None
        verdict = m.group(1) if m else None  # half written: not a proof
        if verdict == "valid":
            kept += 1
            continue
        try:
            os.remove(path)
            removed += 1
        except FileNotFoundError:
            pass
    return kept, removed


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "prune":
        sys.exit("usage: wp_cache.py prune DIR")
    prune(sys.argv[2])
