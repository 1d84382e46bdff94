#!/usr/bin/env python3
"""Generates the comparison models: three families of N threads x K iterations, each written
in racelab's scenario language (.race) and in Promela (.pml), with equal reachable state counts.

Families (one iteration of one thread; the loop is unrolled K times):

  unlocked  r = READ_ONCE(c); WRITE_ONCE(c, r + 1)               2 steps, every step conflicts
  locked    spin_lock(l); r = READ_ONCE(c); WRITE_ONCE(c, r + 1); spin_unlock(l)      4 steps
  private   W writes of the thread's own variable, then the locked increment    W + 4 steps

How the two languages are made to count the same states:

- racelab takes one step per statement that touches shared state; a statement that touches only
  registers is silent and runs with the step before it. Each racelab step is one `d_step` in
  Promela (one transition, no state stored inside), and its silent statements go into the same
  `d_step`.
- Registers are thread-local variables in Promela. After the increment the register is reset to 0
  (a silent `r = 0` in racelab, inside the `d_step` in Promela), so a dead value never tells two
  states apart in either tool, and SPIN's dead-variable elimination has nothing left to change.
- A finished racelab thread stays in the state as finished. A Promela process that reaches its
  closing brace takes one more transition (it dies, in reverse order of creation), which racelab
  has no counterpart for; so each process ends at an `end:` label on `false`, blocked for good in
  a valid end state.
- A spinlock is one byte in Promela, 0 when free, else the holder's _pid + 1: the same information
  as racelab's lock (its mode and the bitmask of its holder). A blocked spin_lock is no step in
  either tool.
- A private variable is a racelab `var` written by one thread only, and a local of the process in
  Promela, so that SPIN's partial-order reduction may treat its writes as safe (with `-DNOREDUCE`
  it makes no difference to the count).

Usage: gen.py FAMILY N K [--writes W] [--out DIR]   (writes DIR/NAME.race and DIR/NAME.pml)
"""

import argparse
import os
import sys

FAMILIES = ("unlocked", "locked", "private")
MAX_THREADS = 6  # racelab's limit (threads and CPUs)
DEFAULT_WRITES = 2


class ModelError(ValueError):
    pass


def check_params(family, n, k, writes=DEFAULT_WRITES):
    if family not in FAMILIES:
        raise ModelError(f"unknown family `{family}` (expected one of {', '.join(FAMILIES)})")
    if not 1 <= n <= MAX_THREADS:
        raise ModelError(f"N = {n}: racelab runs 1 to {MAX_THREADS} threads")
    if k < 1:
        raise ModelError(f"K = {k}: at least one iteration")
    if n * k > 32767:
        raise ModelError(f"N x K = {n * k}: the counter must fit racelab's 16-bit variables")
    if family == "private" and not 1 <= writes <= 100:
        raise ModelError(f"W = {writes}: 1 to 100 private writes per iteration")


def model_name(family, n, k, writes=DEFAULT_WRITES):
    name = f"{family}-n{n}-k{k}"
    if family == "private" and writes != DEFAULT_WRITES:
        name += f"-w{writes}"
    return name


def steps_per_thread(family, k, writes=DEFAULT_WRITES):
    per = {"unlocked": 2, "locked": 4, "private": writes + 4}[family]
    return per * k


def thread_work(family, writes=DEFAULT_WRITES):
    return {
        "unlocked": "reads the shared counter and writes it back plus one (no lock)",
        "locked": "takes a spinlock, reads the counter, writes it back plus one, and unlocks",
        "private": f"writes its own variable {writes} times, then increments the counter under a spinlock",
    }[family]


def describe(family, n, k, writes=DEFAULT_WRITES):
    return f"{n} threads x {k} iterations; each iteration, a thread {thread_work(family, writes)}"


def race(family, n, k, writes=DEFAULT_WRITES):
    """The model in racelab's scenario language."""
    check_params(family, n, k, writes)
    name = model_name(family, n, k, writes)
    ident = name.replace("-", "_")
    out = [
        "racelab 1",
        f"# {describe(family, n, k, writes)}.",
        "# From bench/compare/gen.py: the same model in Promela has the same reachable states.",
        "",
        "policy as_written {",
        '  title "the program as written"',
        "  fate baseline",
        "}",
        "",
        f"scenario {ident} {{",
        f'  title "{family} counter, {n} threads x {k} iterations"',
        "  policies as_written",
        "  baseline as_written",
        "  check no_lost_write",
        "}",
        "",
        "state {",
        "  var c=0",
    ]
    if family == "private":
        out += [f"  var p{t}=0" for t in range(n)]
    if family in ("locked", "private"):
        out.append("  lock l spin")
    out += ["}", ""]
    for t in range(n):
        out.append(f'thread t{t} on CPU{t} "{k} times: {thread_work(family, writes)}" {{')
        for _ in range(k):
            if family == "private":
                out += [f"  WRITE_ONCE(p{t}, {j + 1})" for j in range(writes)]
            if family in ("locked", "private"):
                out.append("  spin_lock(l)")
            out += ["  r = READ_ONCE(c)", "  WRITE_ONCE(c, r + 1)", "  r = 0"]
            if family in ("locked", "private"):
                out.append("  spin_unlock(l)")
        out += ["}", ""]
    return "\n".join(out)


def promela(family, n, k, writes=DEFAULT_WRITES):
    """The same model in Promela, one d_step per racelab step."""
    check_params(family, n, k, writes)
    counter = "byte" if n * k <= 255 else "short"
    out = [
        f"/* {describe(family, n, k, writes)}. */",
        "/* From bench/compare/gen.py: the same model in racelab's language has the same reachable states. */",
        "",
        f"{counter} c = 0;",
    ]
    if family in ("locked", "private"):
        out.append("byte lk = 0;  /* 0: free, else the holder's _pid + 1 */")
    out += ["", f"active [{n}] proctype T() {{", f"  {counter} r = 0;"]
    if family == "private":
        out.append("  byte p = 0;  /* this thread's own variable */")
    for _ in range(k):
        if family == "private":
            out += [f"  d_step {{ p = {j + 1} }};" for j in range(writes)]
        if family in ("locked", "private"):
            out.append("  d_step { lk == 0 -> lk = _pid + 1 };")
        out += ["  d_step { r = c };", "  d_step { c = r + 1; r = 0 };"]
        if family in ("locked", "private"):
            out.append("  d_step { lk = 0 };")
    out += ["end:", "  false", "}", ""]
    return "\n".join(out)


def write(family, n, k, out_dir, writes=DEFAULT_WRITES):
    """Writes both files; returns their paths (race, pml)."""
    os.makedirs(out_dir, exist_ok=True)
    name = model_name(family, n, k, writes)
    paths = (os.path.join(out_dir, name + ".race"), os.path.join(out_dir, name + ".pml"))
    for path, text in zip(paths, (race(family, n, k, writes), promela(family, n, k, writes))):
        with open(path, "w") as f:
            f.write(text)
    return paths


def main(argv):
    ap = argparse.ArgumentParser(description="Generate a comparison model in racelab's language and in Promela.")
    ap.add_argument("family", choices=FAMILIES)
    ap.add_argument("n", type=int, help="threads (1 to 6)")
    ap.add_argument("k", type=int, help="iterations per thread")
    ap.add_argument("--writes", type=int, default=DEFAULT_WRITES, help="private writes per iteration (family `private`)")
    ap.add_argument("--out", default=".", help="directory to write NAME.race and NAME.pml into")
    a = ap.parse_args(argv)
    try:
        for p in write(a.family, a.n, a.k, a.out, a.writes):
            print(p)
    except (ModelError, OSError) as e:
        print(f"gen.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
