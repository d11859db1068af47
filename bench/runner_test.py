"""Checks of the benchmark runner's own logic, without running any benchmark:
how peer scores are read, which parts of a peer checkout's CMakeLists.txt
are built, and what the report says about Warden's targets.

    python3 bench/runner_test.py        (also `bazel test //bench:runner_test`)
"""
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer  # noqa: E402
import run  # noqa: E402


class Scores(unittest.TestCase):
    def test_fixed_work_is_wall_time(self):
        self.assertEqual(peer.score("wall", 12.5, "anything"), 12.5)

    def test_larson_relative_time(self):
        out = "Throughput =  2535590 operations per second, relative time: 394.386s.\nDone sleeping...\n"
        self.assertAlmostEqual(peer.score("larson", 7.0, out), 394.386)

    def test_xmalloc_rtime(self):
        self.assertAlmostEqual(peer.score("xmalloc", 6.0, "rtime: 31.550, free/sec: 3.170 M\n"), 31.55)

    def test_rptest_from_throughput(self):
        out = ("crt          2 threads random linear size [8,16000] 500 loops 1000 allocs 100 ops: "
               "........267729 memory ops/CPU second (27MiB peak, 10MiB -> 27MiB bytes sample, 158% overhead)\n")
        self.assertAlmostEqual(peer.score("rptest", 5.0, out), 2e6 / 267729)

    def test_glibc_thread_from_iterations(self):
        self.assertAlmostEqual(peer.score("glibc-thread", 5.0, "25274848 iterations\n"), 1e9 / 25274848)

    def test_missing_score(self):
        for kind in ("larson", "xmalloc", "rptest", "glibc-thread"):
            self.assertIsNone(peer.score(kind, 5.0, "Segmentation fault\n"), kind)
        self.assertIsNone(peer.score("rptest", 5.0, "...0 memory ops/CPU second\n"))


class CMakeLists(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for f in ("a/a.c", "b/b1.c", "b/b2.c"):
            os.makedirs(os.path.dirname(os.path.join(self.dir, f)), exist_ok=True)
            open(os.path.join(self.dir, f), "w").close()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_missing_sources_and_subdirectories_left_out(self):
        text = "\n".join([
            "set(b_sources b1.c b2.c)",
            "add_executable(a a/a.c)",
            "target_link_libraries(a pthread)",
            "add_executable(b ${b_sources})",
            "add_executable(gone gone/gone-new.c)",
            "target_compile_definitions(gone PRIVATE BENCH=1)",
            "target_link_libraries(gone pthread)",
            "add_executable(half a/a.c\n    half/missing.c)",
            "add_subdirectory(security)",
            "# add_subdirectory(other)",
        ])
        out, dropped = peer.buildable_cmakelists(text, self.dir)
        self.assertEqual(dropped, ["gone", "half"])
        kept = [l for l in out.splitlines() if l.strip() and not l.lstrip().startswith("#")]
        self.assertEqual(kept, ["set(b_sources b1.c b2.c)", "add_executable(a a/a.c)",
                                "target_link_libraries(a pthread)", "add_executable(b ${b_sources})"])
        self.assertIn("# add_subdirectory(other)", out.splitlines())


class Durations(unittest.TestCase):
    def test_units(self):
        self.assertEqual(run.duration("5400"), 5400)
        self.assertEqual(run.duration("90m"), 5400)
        self.assertEqual(run.duration("1.5h"), 5400)
        self.assertEqual(run.duration("30s"), 30)
        with self.assertRaises(Exception):
            run.duration("ten minutes")


def synthetic_data(ratios):
    """A results.json as the runner writes it: glibc and the given allocators,
    ratios[(part, name)][allocator] = (time ratio, RSS ratio) to glibc's."""
    allocs = ["glibc"] + sorted({a for r in ratios.values() for a in r})
    data = {"meta": {"command": "test", "date": "today", "quick": False, "repeats": 3, "timeout": 180,
                     "machine": {k: "?" for k in ("cpu", "nproc", "memory", "kernel", "glibc", "debian",
                                                  "load")},
                     "allocators": allocs, "allocator_info": {}, "excluded": {}},
            "runs": []}
    peer_runs, startup_runs, fork_runs = [], [], []
    for (part, name), per in ratios.items():
        for a in allocs:
            t, m = (1.0, 1.0) if a == "glibc" else per[a]
            for rep in range(3):
                if part == "own":
                    data["runs"].append({"workload": name, "allocator": a, "status": "ok", "wall": 2.0 * t,
                                         "cpu": 2.0 * t, "maxrss_kb": 1000 * m, "metrics": {}, "repeat": rep})
                elif part == "peer":
                    peer_runs.append({"workload": name, "allocator": a, "status": "ok", "wall": 5.0,
                                      "score": 10.0 * t, "maxrss_kb": 2000 * m, "cpu": 5.0, "metrics": {},
                                      "repeat": rep})
                elif part == "startup":
                    # t: milliseconds over glibc's 2 ms
                    startup_runs.append({"program": name, "allocator": a, "status": "ok",
                                         "wall": 0.002 + (0 if a == "glibc" else t / 1e3),
                                         "maxrss_kb": 1000 * m, "repeat": rep})
                else:
                    fork_runs.append({"allocator": a, "status": "ok", "metrics": {"fork_us": 100.0 * t},
                                      "maxrss_kb": 3000, "repeat": rep})
    if peer_runs:
        data["peer"] = {"source": "/src/mimalloc-bench", "cache": "/tmp/peer-build", "git": None, "procs": 2,
                        "repeats": 3, "rounds_done": 3, "budget_s": None, "timeout": 180, "excluded": {},
                        "benchmarks": {}, "stopped": "", "runs": peer_runs}
    if startup_runs:
        data["startup"] = {"rounds": 3, "runs": startup_runs}
    if fork_runs:
        data["fork"] = {"forks": 500, "rounds": 3, "runs": fork_runs}
    return data


class Report(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def report(self, data):
        out = os.path.join(self.dir, "R.md")
        with open(os.path.join(self.dir, "r.json"), "w") as f:
            json.dump(data, f)  # what --report-from reads must be JSON
        run.write_report(data, out, os.path.join(self.dir, "r.png"), self.dir)
        with open(out) as f:
            return f.read()

    def row(self, text, start):
        """The cells of the first table row that starts so (the side-by-side summary comes
        before the per-suite tables)."""
        rows = [l for l in text.splitlines() if l.startswith("| " + start)]
        self.assertTrue(rows, start)
        return [c.strip() for c in rows[0].strip("|").split("|")]

    def test_targets(self):
        w = "warden"
        wl = "warden-light"
        data = synthetic_data({
            ("own", "churn"): {w: (0.9, 1.0), wl: (0.8, 1.0)},
            ("own", "large"): {w: (1.0, 1.2), wl: (0.8, 1.0)},
            ("peer", "cfrac"): {w: (2.5, 1.0), wl: (0.9, 1.0)},
            ("peer", "espresso"): {w: (0.5, 1.0), wl: (0.9, 1.0)},
            ("startup", "true"): {w: (0.5, 2.0), wl: (1.5, 1.0)},
            ("startup", "tiny"): {w: (0.5, 2.0), wl: (0.2, 1.0)},
            ("fork", "fork"): {w: (1.3, 1.0), wl: (1.1, 1.0)},
        })
        text = self.report(data)
        # own: warden 0.95x time, 1.10x RSS; light 0.80x
        self.assertEqual(self.row(text, "time, own workloads: geometric mean")[1:], ["0.95x, met", "0.80x, met"])
        self.assertEqual(self.row(text, "peak RSS, own workloads")[1:], ["1.10x, met", "1.00x"])
        self.assertEqual(self.row(text, "time, own workloads: none over")[1:], ["met", "none"])
        # peer: warden geomean 1.12x with cfrac at 2.5x; light 0.90x, over 0.85x
        self.assertEqual(self.row(text, "time, peer suite: geometric mean")[1:],
                         ["1.12x, **missed**", "0.90x, **missed**"])
        self.assertEqual(self.row(text, "time, peer suite: none over")[1],
                         "**missed**: cfrac 2.50x")
        self.assertEqual(self.row(text, "start-up, `/bin/true`")[1:],
                         ["+0.50 ms, met", "+1.50 ms, **missed**"])
        self.assertEqual(self.row(text, "fork:")[1:], ["1.30x, **missed**", "1.10x, met"])
        # side by side: own time, own RSS, peer time, peer RSS, /bin/true, fork, tiny RSS
        self.assertEqual(self.row(text, "**warden** "),
                         ["**warden**", "**0.95**", "1.10", "**1.12**", "1.00", "+0.50", "1.30", "2.00"])
        self.assertIn("## Peer suite: mimalloc-bench", text)
        self.assertIn("| cfrac | 10.000 | 25.000 (2.50x) | 9.000 (0.90x) |", text)

    def test_failed_benchmark_misses_the_target(self):
        data = synthetic_data({("peer", "cfrac"): {"warden": (0.5, 1.0)},
                               ("peer", "espresso"): {"warden": (0.5, 1.0)}})
        for r in data["peer"]["runs"]:
            if r["workload"] == "espresso" and r["allocator"] == "warden" and r["repeat"] == 1:
                r.update(status="timeout", note="killed after 180 s")
        text = self.report(data)
        self.assertEqual(self.row(text, "time, peer suite: geometric mean")[1], "0.50x, **missed**")
        self.assertEqual(self.row(text, "time, peer suite: none over")[1],
                         "**missed**: failed: espresso (timeout)")
        self.assertIn("- espresso under warden: timeout killed after 180 s", text)

    def test_results_without_the_new_parts(self):
        # A results.json from before the peer suite: only own runs.
        data = synthetic_data({("own", "churn"): {"warden": (1.5, 1.0)}})
        text = self.report(data)
        self.assertNotIn("Peer suite", text)
        self.assertNotIn("start-up", text)
        self.assertEqual(self.row(text, "**warden** "), ["**warden**", "**1.50**", "1.00"])


if __name__ == "__main__":
    unittest.main()
