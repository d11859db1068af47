"""Per-function table of a WP run (proofs/wp.sh), from -wp-report-json and
the logs of its two passes.

  table.py WP_JSON GOALS_LOG SMOKE_LOG ELAPSED SMOKE_RAN LOAD

LOAD is the goal pass's prover processes per core (at least 1).

Exits 1 unless every goal is proved and every smoke test passed (a smoke
test that a prover discharges means a contradictory contract: its proofs
would be vacuous), or if the smoke pass was asked for and ran none.
Also names the slowest goal: each must prove within MARGIN_S seconds on an
idle core (proofs/README.md, "Margins"). The goal pass runs more prover
processes than there are cores, which stretches every time by LOAD, so the
flag is raised above MARGIN_S * LOAD; it flags and does not fail, since a
loaded machine takes longer still. `wp.sh --par 1` on an idle machine gives
each of a goal's two provers a core of its own.
"""
import json
import re
import sys

MARGIN_S = 5.0

report, log_path, smoke_path, elapsed, smoke_ran, load = sys.argv[1:7]
load = max(1.0, float(load))
data = json.load(open(report))
log = open(log_path).read()
smoke_log = open(smoke_path).read()

funcs = data.get("wp:functions", {})
names = sorted(funcs, key=len, reverse=True)

# Goal lines: "[wp] [Z3 4.8.12] Goal typed_F_... : Valid (Qed:4ms) (20ms) ..."
times = {}
slowest = (0.0, "none proved in this run")
goal_re = re.compile(r"^\[wp\] \[([^\]]+)\] Goal typed_(\S+) : (\w+)(.*)$", re.M)
for prover, goal, _status, rest in goal_re.findall(log):
    fn = next((n for n in names if goal.startswith(n + "_")), None)
    if fn is None:
        continue
    # The last (...ms|s) group is the prover's own time; Qed's is inside "Qed:".
    ms = 0.0
    for val, unit in re.findall(r"\((?:Qed:)?([0-9.]+)(ms|s)\)", rest):
        ms = max(ms, float(val) * (1000 if unit == "s" else 1))
    times[fn] = times.get(fn, 0.0) + ms
    # A goal replayed from the cache carries the time of the run that proved
    # it, under that run's load: only goals proved now name the slowest.
    if not rest.rstrip().endswith("(cached)"):
        slowest = max(slowest, (ms, f"{goal} ({prover})"))

rows = []
tot_goals = tot_valid = 0
per_prover = {}
for fn in sorted(funcs):
    sec = funcs[fn].get("wp:section", {})
    main = sec.get("wp:main", {})
    goals, valid = main.get("total", 0), main.get("valid", 0)
    provers = []
    for p, v in sorted(sec.items()):
        if p.startswith("wp:"):
            continue
        provers.append(f"{p.split(':')[0].lower()}:{v.get('valid', 0)}")
        per_prover[p] = per_prover.get(p, 0) + v.get("valid", 0)
    rows.append((fn, goals, valid, " ".join(provers), times.get(fn, 0.0) / 1000))
    tot_goals += goals
    tot_valid += valid

w = max([len(r[0]) for r in rows] + [8])
print(f"{'function':<{w}}  {'goals':>5}  {'proved':>6}  {'time(s)':>7}  provers")
for fn, g, v, p, t in rows:
    mark = "" if g == v else "   <-- UNPROVED"
    print(f"{fn:<{w}}  {g:>5}  {v:>6}  {t:>7.2f}  {p}{mark}")
proved_fns = sum(1 for r in rows if r[1] == r[2])
print(f"{'total':<{w}}  {tot_goals:>5}  {tot_valid:>6}  "
      f"functions proved: {proved_fns}/{len(rows)}; by prover: "
      + ", ".join(f"{k}={v}" for k, v in sorted(per_prover.items())))

smoke_pass = len(re.findall(r"\[Passed\] Smoke-test", smoke_log))
smoke_bad = re.findall(r"^\[wp\] \[(?!Passed)[^\]]+\] Smoke-test.*$", smoke_log, re.M)
smoke_bad += re.findall(r"^\[wp:smoke\].*$", smoke_log, re.M)
if smoke_ran == "1" and smoke_pass + len(smoke_bad) == 0:
    smoke_bad.append("the smoke pass ran no smoke test")
cache = re.findall(r"^\[wp\] \[Cache\] (.*)$", log, re.M)
print(f"smoke tests passed: {smoke_pass}, failed: {len(smoke_bad)}; "
      f"cache: {cache[-1] if cache else 'unused'}; wall time: {elapsed}s")
flag = "" if slowest[0] <= MARGIN_S * load * 1000 else (
    f"   <-- over {MARGIN_S:.0f} s x {load:.2f}: time it on an idle machine with wp.sh --par 1 --fct ...")
print(f"slowest goal: {slowest[1]} {slowest[0] / 1000:.2f}s "
      f"({load:.2f} prover processes per core){flag}")
for line in smoke_bad:
    print("smoke test failed:", line)
ok = tot_goals > 0 and tot_goals == tot_valid and not smoke_bad
sys.exit(0 if ok else 1)
