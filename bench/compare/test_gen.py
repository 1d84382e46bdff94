"""Tests of the comparison models: python3 -m unittest discover bench/compare

The models must have the same reachable states in every tool. Here a small reference search in
Python, written from the families' definition, gives the counts; the generated racelab and
Promela files are checked against it when racelab ($RACELAB or --racelab's default) and SPIN are
there, else only their shape is checked.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import run  # noqa: E402


def reference_counts(family, n, k, writes=gen.DEFAULT_WRITES):
    """States and transitions of the model, by a breadth-first search over
    (pcs, registers, private variables, counter, lock holder + 1)."""
    one = {
        "unlocked": ["read", "inc"],
        "locked": ["lock", "read", "inc", "unlock"],
        "private": [("p", v + 1) for v in range(writes)] + ["lock", "read", "inc", "unlock"],
    }[family]
    code = one * k
    init = ((0,) * n, (0,) * n, (0,) * n, 0, 0)
    seen = {init}
    frontier = [init]
    transitions = 0
    while frontier:
        nxt = []
        for s in frontier:
            pcs, regs, priv, c, lock = s
            for t in range(n):
                if pcs[t] == len(code):
                    continue
                op = code[pcs[t]]
                if op == "lock" and lock:
                    continue
                pc2, r2, p2 = list(pcs), list(regs), list(priv)
                c2, lock2 = c, lock
                pc2[t] += 1
                if op == "read":
                    r2[t] = c
                elif op == "inc":
                    c2, r2[t] = regs[t] + 1, 0
                elif op == "lock":
                    lock2 = t + 1
                elif op == "unlock":
                    lock2 = 0
                else:
                    p2[t] = op[1]
                s2 = (tuple(pc2), tuple(r2), tuple(p2), c2, lock2)
                transitions += 1
                if s2 not in seen:
                    seen.add(s2)
                    nxt.append(s2)
        frontier = nxt
    return len(seen), transitions


SMALL = [("unlocked", 2, 2), ("unlocked", 3, 2), ("locked", 3, 2), ("private", 2, 3), ("private", 3, 1)]


class Shape(unittest.TestCase):
    def test_one_thread_has_a_state_per_step(self):
        for family in gen.FAMILIES:
            steps = gen.steps_per_thread(family, 3)
            self.assertEqual(reference_counts(family, 1, 3), (steps + 1, steps), family)

    def test_promela_has_one_d_step_per_racelab_step(self):
        # A racelab step is a statement that touches shared state; `r = 0` is silent.
        for family, n, k in SMALL:
            race = gen.race(family, n, k)
            threads = re.findall(r"^thread .*?\{\n(.*?)^\}", race, re.M | re.S)
            self.assertEqual(len(threads), n)
            for body in threads:
                steps = [line for line in body.splitlines() if line.strip() and line.strip() != "r = 0"]
                self.assertEqual(len(steps), gen.steps_per_thread(family, k), (family, n, k))
            pml = gen.promela(family, n, k)
            self.assertEqual(pml.count("d_step"), gen.steps_per_thread(family, k), (family, n, k))
            self.assertIn(f"active [{n}] proctype", pml)
            self.assertRegex(pml, r"end:\n  false\n\}")

    def test_bad_parameters_are_refused(self):
        for args in [("unlocked", 7, 1), ("locked", 0, 1), ("private", 2, 0), ("nolock", 2, 2), ("unlocked", 6, 6000)]:
            with self.assertRaises(gen.ModelError, msg=str(args)):
                gen.race(*args)
        with self.assertRaises(gen.ModelError):
            gen.promela("private", 2, 2, writes=0)

    def test_rows_option_is_parsed_and_checked(self):
        self.assertEqual(run.parse_rows("unlocked:3:5, locked:6:8"), [("unlocked", 3, 5), ("locked", 6, 8)])
        for bad in ["unlocked:3", "unlocked:x:5", "private:9:1"]:
            with self.assertRaises((run.BenchError, gen.ModelError), msg=bad):
                run.parse_rows(bad)


class PanOutput(unittest.TestCase):
    # The lines of a pan run that the runner reads, as SPIN 6.5.2 prints them.
    SMALL = "State-vector 20 byte, depth reached 8, errors: 0\n       57 states, stored\n       26 states, matched\n       83 transitions (= stored+matched)\n        0 atomic steps\n"
    LARGE = " 31559905 states, stored\n1.0416197e+08 states, matched\n1.3572187e+08 transitions (= stored+matched)\n        0 atomic steps\n"

    def test_counts_are_read_and_the_initial_state_is_not_a_transition(self):
        got = run.parse_pan(0, "errors: 0\n" + self.SMALL)
        self.assertEqual((got["states"], got["transitions"]), (57, 82))
        self.assertTrue(run.same_counts(got, {"states": 57, "transitions": 82}))
        self.assertFalse(run.same_counts(got, {"states": 57, "transitions": 83}))

    def test_counts_in_eight_digits_are_compared_at_that_precision(self):
        got = run.parse_pan(0, "errors: 0\n" + self.LARGE)
        self.assertEqual(got["states"], 31559905)
        self.assertTrue(run.same_counts(got, {"states": 31559905, "transitions": 135721872}))
        self.assertFalse(run.same_counts(got, {"states": 31559905, "transitions": 135722872}))
        self.assertFalse(run.same_counts(got, {"states": 31559904, "transitions": 135721872}))

    def test_output_without_statistics_is_an_error(self):
        self.assertIn("without statistics", run.parse_pan(1, "pan: out of memory\n")["error"])
        self.assertIn("errors on a model", run.parse_pan(0, "errors: 1\n" + self.SMALL)["error"])


def racelab_binary():
    try:
        return run.find_racelab(None)
    except run.BenchError:
        return None


@unittest.skipUnless(racelab_binary(), "no racelab binary (set RACELAB or build it)")
class RacelabCounts(unittest.TestCase):
    def test_racelab_counts_what_the_reference_counts(self):
        with tempfile.TemporaryDirectory() as d:
            for family, n, k in SMALL:
                race_file, _ = gen.write(family, n, k, d)
                r = subprocess.run([racelab_binary(), "check", race_file, "--json", "--no-reduction"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                got = run.json.loads(r.stdout)
                self.assertEqual((got["states"], got["transitions"]), reference_counts(family, n, k), (family, n, k))


@unittest.skipUnless(shutil.which("spin") and shutil.which("gcc"), "SPIN or gcc is not installed")
class SpinCounts(unittest.TestCase):
    def test_spin_counts_what_the_reference_counts(self):
        with tempfile.TemporaryDirectory() as d:
            run.PEAKRSS = run.build_peakrss(d)
            for family, n, k in SMALL:
                _, pml = gen.write(family, n, k, d)
                pan, _, _ = run.compile_pan(pml, False, 1024)
                got = run.run_pan(pan, 1000, n * gen.steps_per_thread(family, k), 60)
                self.assertNotIn("error", got)
                self.assertEqual((got["states"], got["transitions"]), reference_counts(family, n, k), (family, n, k))


if __name__ == "__main__":
    unittest.main()
