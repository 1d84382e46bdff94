#!/usr/bin/env python3
"""The explorer against SPIN (and Stateright) on generated models with equal state counts.

For each row (a family, N threads, K iterations; see gen.py) the runner writes the model in
racelab's language and in Promela, then runs, back to back and one at a time:

  racelab    check FILE.race --json --no-reduction --jobs 1   the plain search, one thread
  racelab    check FILE.race --json --no-reduction --jobs 2   the plain search on two threads
  racelab    check FILE.race --json --jobs 1                  with its partial-order reduction
  SPIN       spin -a; gcc -O2 -DNOREDUCE -DSAFETY; ./pan  exhaustive, no reduction
  SPIN       spin -a; gcc -O2 -DSAFETY; ./pan             with SPIN's partial-order reduction
  Stateright BFS and DFS checkers, 1 and 2 threads        (the crate in stateright/, if built)

It checks that every exhaustive search found the same states and transitions as racelab's
plain search, and prints a ratio only where they match. Times are those of the whole process
(start-up and the tool's reading of the model included, SPIN's spin -a and gcc excluded), wall
clock by default, user + system CPU time with --clock cpu; memory is the process's peak resident
set. A row whose first run takes less than --repeat-below seconds is run --runs times and its
best time kept.

Usage: run.py [--racelab PATH] [--quick | --full | --huge | --rows FAMILY:N:K,...] [--runs 3]
              [--no-stateright] [--json FILE] [--markdown FILE] [--clock wall|cpu] [--work DIR]
       run.py --report FILE.json... [--clock wall|cpu]
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen  # noqa: E402

# (family, N, K). Quick: 10^4 to 10^5 states, a minute or two in all. Full: 10^5 to 2 x 10^7.
QUICK = [
    ("unlocked", 3, 4),
    ("unlocked", 3, 5),
    ("locked", 4, 8),
    ("locked", 4, 10),
    ("private", 3, 8),
    ("private", 4, 4),
]
FULL = [
    ("unlocked", 3, 5),
    ("unlocked", 4, 3),
    ("unlocked", 3, 8),
    ("unlocked", 6, 2),
    ("unlocked", 3, 10),
    ("locked", 4, 10),
    ("locked", 6, 5),
    ("locked", 6, 8),
    ("locked", 5, 16),
    ("private", 4, 4),
    ("private", 5, 3),
    ("private", 5, 5),
    ("private", 5, 6),
]
# 2.6 x 10^7 to 8.5 x 10^7 states: several GB per tool (Stateright's BFS about 120 bytes a state).
HUGE = [
    ("unlocked", 4, 5),
    ("locked", 6, 12),
    ("private", 6, 4),
]



class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running a process: wall time and peak resident set.


PEAKRSS = None  # the launcher built from peakrss.c, set by main()


def build_peakrss(work):
    exe = os.path.join(work, "peakrss")
    r = subprocess.run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "peakrss.c")], capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError("gcc peakrss.c: " + r.stderr.strip()[-500:])
    return exe


def measure(argv, cwd=None, timeout=None):
    """Runs argv through the peakrss launcher; returns (returncode or None on a timeout, stdout,
    stderr, wall seconds, peak RSS in bytes, user + system CPU seconds)."""
    with tempfile.TemporaryDirectory() as d:
        rss_file = os.path.join(d, "rss")
        t0 = time.perf_counter()
        p = subprocess.Popen([PEAKRSS, rss_file, *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            so, se = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.communicate()
            return None, "", "timeout", time.perf_counter() - t0, 0, 0.0
        wall = time.perf_counter() - t0
        try:
            with open(rss_file) as f:
                kib, user, system = f.read().split()
            rss, cpu = int(kib) * 1024, float(user) + float(system)  # ru_maxrss is in KiB on Linux
        except (OSError, ValueError):
            rss, cpu = 0, 0.0
        return p.returncode, so.decode(errors="replace"), se.decode(errors="replace"), wall, rss, cpu


def best_of(run_once, runs, repeat_below):
    """Runs run_once() (which returns a result dict with "wall" and "cpu"), again up to `runs`
    times in all if the first took less than repeat_below seconds; keeps the fastest wall time,
    the least CPU time and the largest peak memory seen."""
    first = run_once()
    if first.get("error") or first["wall"] >= repeat_below:
        first["runs"] = 1
        return first
    results = [first] + [run_once() for _ in range(runs - 1)]
    bad = [r for r in results if r.get("error")]
    if bad:
        return bad[0]
    best = min(results, key=lambda r: r["wall"])
    best = dict(best, cpu=min(r["cpu"] for r in results), rss=max(r["rss"] for r in results))
    best["runs"] = len(results)
    counts = {(r["states"], r["transitions"]) for r in results}
    if len(counts) != 1:
        best["error"] = f"runs disagree on the counts: {sorted(counts)}"
    return best


# ---------------------------------------------------------------------------------------------
# The tools.


def find_racelab(path):
    if path:
        if not os.path.isfile(path):
            raise BenchError(f"--racelab {path}: no such file")
        return os.path.abspath(path)
    candidates = []
    if os.environ.get("RACELAB"):
        candidates.append(os.environ["RACELAB"])
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    # `cargo build --profile bench` writes to target/release, as `--release` does.
    candidates += [os.path.join(target, "release", "racelab"), os.path.join(target, "bench", "racelab")]
    for c in candidates:
        if os.path.isfile(c):
            if c.endswith(os.path.join("release", "racelab")):
                log(f"note: {c} is whichever of `--release` (size-tuned) and `--profile bench` was built last")
            return os.path.abspath(c)
    raise BenchError(
        "no racelab binary: build it with `cargo build --profile bench -p racelab-core --bin racelab` "
        "or pass --racelab PATH (looked in " + ", ".join(candidates) + ")"
    )


def ensure_spin():
    if shutil.which("spin") is None:
        if os.geteuid() == 0:
            cmd = []
        elif shutil.which("sudo"):
            cmd = ["sudo", "-n"]
        else:
            raise BenchError("SPIN is not installed and this user cannot install it: `apt-get install spin`")
        log("installing SPIN (the Debian package `spin`) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(cmd + ["apt-get", "install", "-y", "spin"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(cmd + ["apt-get", "update"], env=env, capture_output=True)
            r = subprocess.run(cmd + ["apt-get", "install", "-y", "spin"], env=env, capture_output=True, text=True)
        if r.returncode != 0 or shutil.which("spin") is None:
            raise BenchError("could not install SPIN: " + (r.stderr.strip().splitlines() or ["apt-get failed"])[-1])
    if shutil.which("gcc") is None:
        raise BenchError("gcc is needed to compile SPIN's verifier: `apt-get install gcc`")
    v = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip()
    g = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
    return v, "gcc " + g


def build_stateright():
    """Builds the Stateright crate (its own workspace and lock file); returns the binary."""
    if shutil.which("cargo") is None:
        raise BenchError("cargo is needed to build the Stateright column (or pass --no-stateright)")
    crate = os.path.join(HERE, "stateright")
    target = os.path.join(os.environ["CARGO_TARGET_DIR"], "compare-stateright") if os.environ.get("CARGO_TARGET_DIR") else os.path.join(crate, "target")
    log("building the Stateright column (cargo build --release --locked) ...")
    r = subprocess.run(
        ["cargo", "build", "--release", "--locked", "--manifest-path", os.path.join(crate, "Cargo.toml")],
        env=dict(os.environ, CARGO_TARGET_DIR=target),
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise BenchError("building bench/compare/stateright failed:\n" + r.stderr[-2000:])
    return os.path.join(target, "release", "racelab-compare-stateright")


def run_racelab(binary, race_file, reduction, timeout, jobs=1):
    argv = [binary, "check", race_file, "--json", "--jobs", str(jobs)]
    if not reduction:
        argv.append("--no-reduction")
    rc, so, se, wall, rss, cpu = measure(argv, timeout=timeout)
    res = {"wall": wall, "cpu": cpu, "rss": rss, "argv": argv}
    if rc is None:
        return dict(res, error="timeout")
    try:
        j = json.loads(so.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return dict(res, error=f"racelab exited {rc}: {(se or so).strip()[:300]}")
    res.update(states=j["states"], transitions=j["transitions"], tool_ms=j["ms"], verdict=j["verdict"])
    if j["verdict"] == "unknown":
        res["capped"] = j.get("bound", "a bound")
    elif j["verdict"] != "safe":
        res["error"] = f"verdict {j['verdict']} on a model that breaks nothing"
    return res


# pan prints its counts with printf("%9.8g"): from 10^8 on, 8 significant digits and an exponent.
COUNT = r"(\d+(?:\.\d+)?(?:e\+\d+)?)"
SPIN_PATTERNS = {
    "stored": re.compile(r"^\s*" + COUNT + r" states, stored", re.M),
    "matched": re.compile(r"^\s*" + COUNT + r" states, matched", re.M),
    "transitions": re.compile(r"^\s*" + COUNT + r" transitions \(= stored\+matched\)", re.M),
    "atomic": re.compile(r"^\s*" + COUNT + r" atomic steps", re.M),
    "errors": re.compile(r"errors: (\d+)"),
    "depth": re.compile(r"depth reached (\d+)"),
    "memory_mb": re.compile(r"^\s*([\d.]+)\s+total actual memory usage", re.M),
    "elapsed": re.compile(r"pan: elapsed time ([\d.e+-]+) seconds"),
}


def compile_pan(pml, reduction, mem_mb):
    d = os.path.dirname(pml)
    name = os.path.splitext(os.path.basename(pml))[0] + ("-por" if reduction else "-plain")
    sub = os.path.join(d, name)
    os.makedirs(sub, exist_ok=True)
    shutil.copy(pml, sub)
    r = subprocess.run(["spin", "-a", os.path.basename(pml)], cwd=sub, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"spin -a {pml}: {r.stdout.strip()[-500:]} {r.stderr.strip()[-500:]}")
    flags = ["-O2", "-DSAFETY", f"-DMEMLIM={mem_mb}"]
    if not reduction:
        flags.insert(1, "-DNOREDUCE")
    t0 = time.perf_counter()
    r = subprocess.run(["gcc", *flags, "-o", "pan", "pan.c"], cwd=sub, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"gcc pan.c for {pml}: {r.stderr.strip()[-500:]}")
    return os.path.join(sub, "pan"), flags, time.perf_counter() - t0


def run_pan(pan, expected_states, max_depth, timeout):
    # A hash table of at least as many slots as states (SPIN's advice), and a depth bound above
    # the longest run (every state of these models is at most N x steps per thread deep).
    w = min(34, max(10, math.ceil(math.log2(max(expected_states, 2)))))
    m = max(10000, max_depth + 100)
    argv = [pan, f"-w{w}", f"-m{m}"]
    rc, so, se, wall, rss, cpu = measure(argv, cwd=os.path.dirname(pan), timeout=timeout)
    res = {"wall": wall, "cpu": cpu, "rss": rss, "argv": ["./pan", f"-w{w}", f"-m{m}"]}
    if rc is None:
        return dict(res, error="timeout")
    return dict(res, **parse_pan(rc, so, se))


def parse_pan(rc, so, se=""):
    """The counts of a pan run's output, or an error, or the cap that stopped it."""
    got = {k: p.search(so) for k, p in SPIN_PATTERNS.items()}
    if not got["stored"] or not got["transitions"]:
        return {"error": f"pan exited {rc} without statistics: {(so + se).strip()[-300:]}"}
    stored, edges = got["stored"].group(1), got["transitions"].group(1)
    # SPIN's "transitions" is stored + matched: the initial state counts as one, without a
    # transition into it.
    res = dict(
        states=round(float(stored)),
        transitions=round(float(edges)) - 1,
        printed={"states": stored, "transitions+1": edges},
        atomic=round(float(got["atomic"].group(1))) if got["atomic"] else None,
        tool_ms=float(got["elapsed"].group(1)) * 1000 if got["elapsed"] else None,
        memory_mb=float(got["memory_mb"].group(1)) if got["memory_mb"] else None,
    )
    if "reached -DMEMLIM bound" in so or "out of memory" in so:
        res["capped"] = "MEMLIM"
    elif "max search depth too small" in so:
        res["capped"] = "max search depth"
    elif got["errors"] and int(got["errors"].group(1)) != 0:
        res["error"] = f"pan found {got['errors'].group(1)} errors on a model that breaks nothing"
    return res


def run_stateright(binary, family, n, k, checker, threads, timeout):
    argv = [binary, family, str(n), str(k), "--checker", checker, "--threads", str(threads)]
    rc, so, se, wall, rss, cpu = measure(argv, timeout=timeout)
    res = {"wall": wall, "cpu": cpu, "rss": rss, "argv": argv}
    if rc is None:
        return dict(res, error="timeout")
    try:
        j = json.loads(so.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return dict(res, error=f"stateright exited {rc}: {(se or so).strip()[:300]}")
    res.update(states=j["states"], transitions=j["transitions"], tool_ms=j["ms"])
    return res


# ---------------------------------------------------------------------------------------------
# One row.

STATERIGHT_RUNS = [("bfs", 1), ("dfs", 1), ("bfs", 2), ("dfs", 2)]


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def same_counts(r, ref):
    """Whether r counted what racelab's plain search counted. pan prints 8 significant digits:
    its counts are compared with racelab's printed the same way."""
    if "printed" in r:
        mine = (ref["states"], ref["transitions"] + 1)
        return all(float(f"{m:.8g}") == float(p) for m, p in zip(mine, r["printed"].values()))
    return (r["states"], r["transitions"]) == (ref["states"], ref["transitions"])


def run_row(family, n, k, a, tools):
    name = gen.model_name(family, n, k)
    race_file, pml = gen.write(family, n, k, a.work)
    depth = n * gen.steps_per_thread(family, k)
    row = {"family": family, "n": n, "k": k, "name": name, "load_before": loadavg()}
    log(f"{name}: racelab ...")
    rep = (a.runs, a.repeat_below)
    row["racelab"] = best_of(lambda: run_racelab(tools["racelab"], race_file, False, a.timeout), *rep)
    row["racelab_par"] = best_of(lambda: run_racelab(tools["racelab"], race_file, False, a.timeout, jobs=2), *rep)
    row["racelab_por"] = best_of(lambda: run_racelab(tools["racelab"], race_file, True, a.timeout), *rep)
    log(f"{name}: SPIN ...")
    for key, reduction in (("spin", False), ("spin_por", True)):
        # SPIN's hash table is sized from racelab's count (with reduction, racelab's reduced count).
        expected = row["racelab_por" if reduction else "racelab"].get("states") or 1 << 20
        pan, flags, gcc_s = compile_pan(pml, reduction, a.mem_mb)
        row[key] = best_of(lambda: run_pan(pan, expected, depth, a.timeout), *rep)
        row[key]["gcc_flags"] = flags
        row[key]["gcc_s"] = gcc_s
    if tools.get("stateright"):
        for checker, threads in STATERIGHT_RUNS:
            log(f"{name}: Stateright {checker.upper()} {threads} thread(s) ...")
            key = f"sr_{checker}{threads}"
            row[key] = best_of(lambda: run_stateright(tools["stateright"], family, n, k, checker, threads, a.timeout), *rep)
    row["load_after"] = loadavg()
    # Every exhaustive search must count what racelab's plain search counted.
    ref = row["racelab"]
    row["mismatch"] = []
    for key in ["racelab_par", "spin"] + [f"sr_{c}{t}" for c, t in STATERIGHT_RUNS]:
        r = row.get(key)
        if not r or r.get("error") or ref.get("error"):
            continue
        if r.get("capped") or ref.get("capped"):
            continue
        if not same_counts(r, ref):
            row["mismatch"].append(
                f"{key}: {r['states']:,} states, {r['transitions']:,} transitions; racelab: {ref['states']:,}, {ref['transitions']:,}"
            )
            r["mismatch"] = True
    return row


# ---------------------------------------------------------------------------------------------
# The table.

# Below this many states, a process's peak memory is mostly its start-up (binary, libraries,
# SPIN's fixed allocations), not its search: no bytes per state is shown.
BPS_MIN_STATES = 100_000


def ok(r):
    return r is not None and not r.get("error") and not r.get("capped") and not r.get("mismatch")


def secs(r, clock):
    if r is None:
        return "–"
    if r.get("error"):
        return "timeout" if r["error"] == "timeout" else "error"
    t = r[clock]
    s = f"{t:.3f}" if t < 1 else f"{t:.2f}" if t < 100 else f"{t:.0f}"
    if r.get("capped"):
        s += f" (cap: {r['capped']})"
    if r.get("mismatch"):
        s += " (≠ counts)"
    return s


def ratio(a, b, clock, clock_b=None):
    clock_b = clock_b or clock
    if not ok(a) or not ok(b) or b[clock_b] <= 0:
        return "–"
    return f"{a[clock] / b[clock_b]:.2f}"


def bps(r):
    if not ok(r) or not r.get("states") or r["states"] < BPS_MIN_STATES:
        return "–"
    return f"{r['rss'] / r['states']:.0f}"


def thousands(x):
    return f"{x:,}" if isinstance(x, int) else "–"


def tables(rows, clock):
    with_sr = any("sr_bfs1" in r for r in rows)
    unit = "s" if clock == "wall" else "CPU s"
    out = []
    # With two threads, CPU time adds up both: the two-thread Stateright columns are always wall.
    par = "" if clock == "wall" else " (wall)"
    h = ["model", "states", "transitions", f"racelab {unit}", f"racelab ×2{par}", "×2 speed-up", f"SPIN {unit}"]
    if with_sr:
        h += [f"SR BFS {unit}", "SR DFS", f"SR BFS ×2{par}", f"SR DFS ×2{par}"]
    h += ["racelab / SPIN", f"racelab ×2 / SPIN{par}"]
    if with_sr:
        h += ["racelab / SR BFS", "/ SR DFS", f"/ SR DFS ×2{par}", f"racelab ×2 / SR DFS ×2{par}"]
    h.append("load")
    out.append("| " + " | ".join(h) + " |")
    out.append("|" + "---|" * len(h))
    for row in rows:
        rl = row["racelab"]
        cells = [
            f"{row['family']} {row['n']}×{row['k']}",
            thousands(rl.get("states")),
            thousands(rl.get("transitions")),
            secs(rl, clock),
            secs(row.get("racelab_par"), "wall"),
            ratio(rl, row.get("racelab_par"), "wall"),
            secs(row["spin"], clock),
        ]
        if with_sr:
            cells += [secs(row.get(f"sr_{c}{t}"), clock if t == 1 else "wall") for c, t in STATERIGHT_RUNS]
        cells += [ratio(rl, row["spin"], clock), ratio(row.get("racelab_par"), row["spin"], "wall", clock)]
        if with_sr:
            cells += [ratio(rl, row.get("sr_bfs1"), clock), ratio(rl, row.get("sr_dfs1"), clock), ratio(rl, row.get("sr_dfs2"), clock, "wall")]
            cells.append(ratio(row.get("racelab_par"), row.get("sr_dfs2"), "wall"))
        loads = [x for x in (row.get("load_before"), row.get("load_after")) if x is not None]
        cells.append("–" if not loads else f"{min(loads):.1f}–{max(loads):.1f}")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    h = ["model", "racelab reduced: states", unit, "÷ plain", "SPIN POR: states", unit, "÷ plain", "bytes/state: racelab", "SPIN"]
    if with_sr:
        h += ["SR BFS", "SR DFS"]
    out.append("| " + " | ".join(h) + " |")
    out.append("|" + "---|" * len(h))
    for row in rows:
        rp, sp = row["racelab_por"], row["spin_por"]
        cells = [
            f"{row['family']} {row['n']}×{row['k']}",
            thousands(rp.get("states")),
            secs(rp, clock),
            ratio(rp, row["racelab"], clock),
            thousands(sp.get("states")),
            secs(sp, clock),
            ratio(sp, row["spin"], clock),
            bps(row["racelab"]),
            bps(row["spin"]),
        ]
        if with_sr:
            cells += [bps(row.get("sr_bfs1")), bps(row.get("sr_dfs1"))]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def notes(rows):
    out = []
    for row in rows:
        for m in row["mismatch"]:
            out.append(f"- {row['name']}: counts differ, no ratio printed: {m}")
        for key in ("racelab", "racelab_par", "racelab_por", "spin", "spin_por", "sr_bfs1", "sr_dfs1", "sr_bfs2", "sr_dfs2"):
            r = row.get(key)
            if r and r.get("error"):
                out.append(f"- {row['name']} {key}: {r['error']}")
            if r and r.get("capped"):
                out.append(f"- {row['name']} {key}: stopped at a cap ({r['capped']}) after {thousands(r.get('states'))} states")
        printed = row["spin"].get("printed", {})
        if any("e" in v for v in printed.values()):
            out.append(f"- {row['name']}: SPIN prints 8 significant digits ({', '.join(printed.values())}); compared at that precision")
        a, b = row["racelab_por"].get("states"), row["spin_por"].get("states")
        if a and b and a != b:
            out.append(f"- {row['name']}: with reduction racelab keeps {a:,} states, SPIN's POR {b:,}")
    loads = [x for r in rows for x in (r["load_before"], r["load_after"]) if x is not None]
    if loads:
        out.append(f"- load average around the rows: {min(loads):.1f} to {max(loads):.1f}")
    return "\n".join(out)


def report(results, clock):
    # By family, then by size: rows from several runs (--report a.json b.json) read as one table.
    rows = sorted(results["rows"], key=lambda r: (gen.FAMILIES.index(r["family"]), r["racelab"].get("states") or 0))
    return tables(rows, clock) + "\n\n" + notes(rows) + "\n"


def parse_rows(spec):
    rows = []
    for part in spec.split(","):
        try:
            family, n, k = part.strip().split(":")
            rows.append((family, int(n), int(k)))
        except ValueError:
            raise BenchError(f"--rows: `{part}` is not FAMILY:N:K") from None
        gen.check_params(*rows[-1])
    return rows


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--racelab", help="the racelab binary (default: $RACELAB, then $CARGO_TARGET_DIR or target/, release/racelab)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="small rows (10^4 to 10^5 states)")
    g.add_argument("--full", action="store_true", help="10^5 to 2 x 10^7 states (the default)")
    g.add_argument("--huge", action="store_true", help="2.6 x 10^7 to 8.5 x 10^7 states (needs several GB)")
    g.add_argument("--rows", help="FAMILY:N:K,... instead of a preset")
    ap.add_argument("--runs", type=int, default=3, help="runs of a small row, the best kept (default 3)")
    ap.add_argument("--repeat-below", type=float, default=30.0, help="a row is small when its first run takes less (seconds; default 30)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds before a run is stopped (default 1800)")
    ap.add_argument("--mem-mb", type=int, default=16384, help="SPIN's -DMEMLIM, in MiB (default 16384)")
    ap.add_argument("--no-stateright", action="store_true", help="skip the Stateright column")
    ap.add_argument("--stateright", help="a built racelab-compare-stateright binary (default: build it)")
    ap.add_argument("--work", help="where to write the models and SPIN's verifiers (default: a temporary directory)")
    ap.add_argument("--json", help="write every measurement to this file")
    ap.add_argument("--markdown", help="write the tables to this file")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall", help="times in the table: wall clock (default) or user + system CPU time")
    ap.add_argument("--report", metavar="JSON", nargs="+", help="print the tables of --json files again (their rows in order, with --clock), running nothing")
    a = ap.parse_args(argv)
    if a.report:
        rows = []
        for path in a.report:
            try:
                with open(path) as f:
                    rows += json.load(f)["rows"]
            except (OSError, ValueError, KeyError, TypeError) as e:
                print(f"run.py: --report {path}: {e}", file=sys.stderr)
                return 2
        try:
            print(report({"rows": rows}, a.clock), end="")
        except (KeyError, TypeError) as e:
            print(f"run.py: --report: a row lacks {e}", file=sys.stderr)
            return 2
        return 0
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    try:
        rows = parse_rows(a.rows) if a.rows else QUICK if a.quick else HUGE if a.huge else FULL
        tools = {"racelab": find_racelab(a.racelab)}
        spin_v, gcc_v = ensure_spin()
        if not a.no_stateright:
            tools["stateright"] = a.stateright or build_stateright()
        tmp = None
        if not a.work:
            tmp = tempfile.TemporaryDirectory(prefix="racelab-compare-")
            a.work = tmp.name
        os.makedirs(a.work, exist_ok=True)
        global PEAKRSS
        PEAKRSS = build_peakrss(a.work)
        log(f"racelab: {tools['racelab']}\nSPIN: {spin_v}, {gcc_v}\nmodels in {a.work}")
        results = [run_row(f, n, k, a, tools) for f, n, k in rows]
    except (BenchError, gen.ModelError) as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    meta = {"racelab": tools["racelab"], "stateright": tools.get("stateright"), "spin": spin_v, "gcc": gcc_v, "cpus": os.cpu_count()}
    everything = {"meta": meta, "rows": results}
    text = report(everything, a.clock)
    print(text, end="")
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(everything, f, indent=1)
    return 1 if any(r["mismatch"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
