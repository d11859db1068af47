"""Per-function table of a WP run, from -wp-report-json and the WP log.

Exits 1 unless every goal is proved and every smoke test passed (a smoke
test that a prover discharges means a contradictory contract: its proofs
would be vacuous).
"""
import json
import re
import sys

report, log_path, elapsed = sys.argv[1], sys.argv[2], sys.argv[3]
data = json.load(open(report))
log = open(log_path).read()

funcs = data.get("wp:functions", {})
names = sorted(funcs, key=len, reverse=True)

# Goal lines: "[wp] [Z3 4.8.12] Goal typed_F_... : Valid (Qed:4ms) (20ms) ..."
times = {}
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

smoke_pass = len(re.findall(r"\[Passed\] Smoke-test", log))
smoke_bad = re.findall(r"^\[wp\] \[(?!Passed)[^\]]+\] Smoke-test.*$", log, re.M)
smoke_bad += re.findall(r"^\[wp:smoke\].*$", log, re.M)
cache = re.findall(r"^\[wp\] \[Cache\] (.*)$", log, re.M)
print(f"smoke tests passed: {smoke_pass}, failed: {len(smoke_bad)}; "
      f"cache: {cache[-1] if cache else 'unused'}; wall time: {elapsed}s")
for line in smoke_bad:
    print("smoke test failed:", line)
ok = tot_goals > 0 and tot_goals == tot_valid and not smoke_bad
sys.exit(0 if ok else 1)
