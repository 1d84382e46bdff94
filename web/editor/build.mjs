// Bundles the editor into one minified ES module: `node build.mjs OUT_DIR` writes OUT_DIR/editor.js
// and prints its size. The licence notices of the bundled packages (all MIT) head the file, as
// their licence asks; the list is read from what esbuild actually bundled.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

const outDir = process.argv[2];
if (!outDir || process.argv.length > 3) fail('usage: node build.mjs OUT_DIR');
const outFile = path.resolve(outDir, 'editor.js');

let result;
try {
  result = await build({
    absWorkingDir: HERE,
    entryPoints: ['src/editor.js'],
    bundle: true,
    format: 'esm',
    // Chromium, Firefox and Safari of the last years; the app itself needs wasm and modules.
    target: ['es2020'],
    minify: true,
    metafile: true,
    write: false,
    outfile: outFile,
    logLevel: 'warning',
  });
} catch (error) {
  fail(`esbuild failed: ${error.message}`);
}

// The npm packages in the bundle, from the inputs esbuild read.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.set(m[1], path.join(HERE, 'node_modules', m[1]));
}

const PERMISSION_START = 'Permission is hereby granted';
const notices = [];
let permission = null;
for (const [name, dir] of [...packages].sort()) {
  const meta = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  if (meta.license !== 'MIT') fail(`${name} is licensed ${meta.license}: add its notice by hand`);
  const licenseFile = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].map((f) => path.join(dir, f))
    .find((f) => existsSync(f));
  if (!licenseFile) fail(`${name} has no LICENSE file`);
  const text = (await readFile(licenseFile, 'utf8')).replace(/\r\n/g, '\n');
  const copyright = text.split('\n').find((l) => /^Copyright/i.test(l.trim()));
  const at = text.indexOf(PERMISSION_START);
  if (!copyright || at < 0) fail(`${name}: cannot read the copyright and MIT text of ${licenseFile}`);
  const body = text.slice(at).trim();
  if (permission !== null && body !== permission) fail(`${name}: its MIT text differs from the others'`);
  permission = body;
  notices.push(`${name} ${meta.version}: ${copyright.trim()}`);
}

const line = (l) => (l ? ` * ${l.replaceAll('*/', '* /')}` : ' *');
const banner = [
  '/*! racelab scenario editor. It bundles these packages, under the MIT licence:',
  ...notices.map(line),
  ' *',
  ...(permission ?? '').split('\n').map(line),
  ' */',
].join('\n');

const [output] = result.outputFiles;
const code = `${banner}\n${output.text}`;
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, code);

// The size as scripts/build.sh reports the others: raw and `gzip -9` (zlib's level 9 where
// there is no gzip, a few hundred bytes more).
const raw = Buffer.byteLength(code);
let gz;
let how = 'gzip -9';
try {
  gz = execFileSync('gzip', ['-9', '-c'], { input: code, maxBuffer: 64 << 20 }).length;
} catch {
  gz = gzipSync(code, { level: 9 }).length;
  how = 'zlib level 9';
}
const fmt = (n) => n.toLocaleString('en-US');
console.log(`  editor.js              ${fmt(raw)} bytes (${how}: ${fmt(gz)})`);
