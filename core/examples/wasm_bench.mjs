// Runs the explorer compiled to wasm32 (wasm_bench.rs) in node, in slices of bounded work as
// the web app does, and prints the figures of `racelab bench` for wasm. With a file of
// `racelab bench --json` lines as the second argument, it also checks that every row has
// the same number of states as natively (a fingerprint that lost bits on wasm32 would merge
// states). Exits 1 on a mismatch.
//
//   node core/examples/wasm_bench.mjs WASM [NATIVE.jsonl] [--quick]
import fs from 'node:fs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const [wasmPath, nativePath] = args.filter((a) => a !== '--quick');
if (!wasmPath) {
  console.error('usage: node wasm_bench.mjs WASM [NATIVE.jsonl] [--quick]');
  process.exit(2);
}
const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), {});
const w = instance.exports;
const SLICE = 100_000;

const native = new Map();
if (nativePath) {
  for (const line of fs.readFileSync(nativePath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line);
    if (o.scenario) native.set(`${o.scenario} ${o.policy}`, o);
  }
}

function name(row) {
  const mem = new Uint8Array(w.memory.buffer);
  let p = w.bench_row_name(row);
  let s = '';
  while (mem[p]) s += String.fromCharCode(mem[p++]);
  return s;
}

function explore(row, reduction) {
  w.bench_start(row, reduction);
  const t0 = performance.now();
  let slices = 0;
  while (!w.bench_slice(SLICE)) slices++;
  return { ms: performance.now() - t0, states: w.bench_states(), transitions: w.bench_transitions(), slices: slices + 1 };
}

let failed = 0;
// An i32 in wasm: `>>> 0` reads it unsigned.
const golden = ((BigInt(w.golden_high() >>> 0) << 32n) | BigInt(w.golden_low() >>> 0)).toString(16);
if (golden !== 'c786e3b5a0a5f543') {
  console.error(`fingerprint of the test vector is ${golden} on wasm32, c786e3b5a0a5f543 natively`);
  failed++;
}
// Warm up: V8 tiers wasm up while it runs.
for (let i = 0; i < (quick ? 1 : 3); i++) explore(0, 0);

let totalTr = 0, totalMs = 0, bigTr = 0, bigMs = 0, best = 0;
const rows = w.bench_rows();
console.log(`${'row'.padEnd(42)} ${'states'.padStart(8)} ${'trans.'.padStart(9)} ${'ms'.padStart(8)} ${'Mtr/s'.padStart(6)}  reduced`);
for (let row = 0; row < rows; row++) {
  const n = name(row);
  const repeat = quick ? 1 : 3;
  let plain = null;
  for (let i = 0; i < repeat; i++) {
    const r = explore(row, 0);
    if (!plain || r.ms < plain.ms) plain = r;
  }
  const reduced = explore(row, 1);
  const rate = plain.transitions / plain.ms / 1000;
  totalTr += plain.transitions;
  totalMs += plain.ms;
  if (plain.transitions >= 100_000) {
    bigTr += plain.transitions;
    bigMs += plain.ms;
  }
  best = Math.max(best, rate);
  console.log(`${n.padEnd(42)} ${String(plain.states).padStart(8)} ${String(plain.transitions).padStart(9)} ${plain.ms.toFixed(2).padStart(8)} ${rate.toFixed(2).padStart(6)}  ${reduced.states}`);
  const nat = native.get(n);
  if (nat) {
    for (const [kind, got] of [['plain', plain], ['reduced', reduced]]) {
      if (nat[kind].states !== got.states || nat[kind].transitions !== got.transitions) {
        console.error(`${n} (${kind}): ${got.states} states, ${got.transitions} transitions on wasm32; ${nat[kind].states}, ${nat[kind].transitions} natively`);
        failed++;
      }
    }
  }
}
let tableMs = Infinity;
for (let i = 0; i < (quick ? 1 : 5); i++) {
  const t0 = performance.now();
  w.bench_table();
  tableMs = Math.min(tableMs, performance.now() - t0);
}
console.log(`\nwasm32 in node ${process.version}, slices of ${SLICE} transitions`);
console.log(`whole verdict table (${rows} rows): ${tableMs.toFixed(1)} ms (target in the browser < 3000 ms)`);
console.log(
  `transitions/s without reduction: ${(totalTr / totalMs / 1000).toFixed(2)} M overall, ` +
    `${bigMs ? (bigTr / bigMs / 1000).toFixed(2) : '-'} M on runs of 100k transitions or more, ${best.toFixed(2)} M best (target >= 1 M)`,
);
if (native.size) console.log(failed ? `MISMATCH: ${failed} rows differ from native` : `states and transitions equal to native on all ${rows} rows`);
process.exit(failed ? 1 : 0);
