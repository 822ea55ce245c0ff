#!/usr/bin/env node
/**
 * Builds resdet's native addon (node-gyp over binding.gyp) when oneDNN's headers are installed
 * (apt-get install libdnnl-dev). Run by `npm ci` / `npm install` (the package's "install" script) and by
 * `npm run build:native`. Without --strict it ALWAYS exits 0, so installing resdet never fails for want of
 * oneDNN: the reason goes to build/BUILD_ERROR.txt, which the backend reports ("native backend not built").
 * Skips the build when the addon is newer than every source file, unless --force.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = __dirname;
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');
const HEADER = process.env.RESDET_ONEDNN_HEADER || '/usr/include/oneapi/dnnl/dnnl.hpp'; // override: tests of the fallback
const addonFile = path.join(dir, 'build', 'Release', 'resdet_native.node');
const errorFile = path.join(dir, 'build', 'BUILD_ERROR.txt');

function fail(reason, detail) {
  fs.mkdirSync(path.dirname(errorFile), { recursive: true });
  fs.writeFileSync(errorFile, `${reason}\n${detail ? `\n${detail}\n` : ''}`);
  process.stderr.write(`resdet: native backend not built: ${reason} (details: ${path.relative(process.cwd(), errorFile)}); resdet will use wasm\n`);
  process.exit(strict ? 1 : 0);
}

function upToDate() {
  if (!fs.existsSync(addonFile)) return false;
  const built = fs.statSync(addonFile).mtimeMs;
  const srcDir = path.join(dir, 'src');
  const sources = [path.join(dir, 'binding.gyp'), ...fs.readdirSync(srcDir).map((f) => path.join(srcDir, f))];
  return sources.every((f) => fs.statSync(f).mtimeMs < built);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not installed locally */
  }
  return candidates.find((c) => c && fs.existsSync(c));
}

function firstErrorLine(text) {
  const lines = text.split('\n');
  return (lines.find((l) => /error/i.test(l) && !/gyp ERR!/.test(l)) || lines.find((l) => /gyp ERR!/.test(l)) || 'unknown error').trim();
}

if (!fs.existsSync(HEADER)) fail(`oneDNN headers not found (${HEADER}): apt-get install libdnnl-dev`);
if (!force && upToDate()) {
  process.stdout.write('resdet: native addon up to date\n');
  process.exit(0);
}
const gyp = nodeGyp();
if (!gyp) fail('node-gyp not found (it ships with npm)');
try {
  require.resolve('node-addon-api');
} catch {
  fail('node-addon-api not installed (npm install)');
}
const args = [gyp, 'rebuild', '--directory', dir, '-j', 'max'];
// Node's own headers: use the installed ones when present (no download, works offline).
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
process.stdout.write('resdet: building the native backend (oneDNN addon)...\n');
const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const log = `${r.stdout || ''}\n${r.stderr || ''}`;
if (r.status !== 0 || !fs.existsSync(addonFile)) fail(`build failed: ${firstErrorLine(log)}`, log.split('\n').slice(-60).join('\n'));
if (fs.existsSync(errorFile)) fs.unlinkSync(errorFile);
process.stdout.write(`resdet: native backend built (${path.relative(process.cwd(), addonFile)})\n`);
