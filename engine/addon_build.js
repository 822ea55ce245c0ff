/**
 * Building one of resdet's optional N-API addons with node-gyp (engine/native: oneDNN; engine/distributed/mpi:
 * Open MPI), shared by their build.js scripts: up-to-date check, node-gyp lookup, Node's installed headers
 * (offline), and the failure record `build/BUILD_ERROR.txt` that the addon's loader reports. Without --strict
 * a failed or impossible build exits 0, so installing resdet never fails for want of a system library.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');

/** Records why the addon in `dir` is not built, says so (with what resdet does instead) and exits. */
function fail(dir, what, reason, detail, fallback) {
  const errorFile = path.join(dir, 'build', 'BUILD_ERROR.txt');
  fs.mkdirSync(path.dirname(errorFile), { recursive: true });
  fs.writeFileSync(errorFile, `${reason}\n${detail ? `\n${detail}\n` : ''}`);
  process.stderr.write(`resdet: ${what} not built: ${reason} (details: ${path.relative(process.cwd(), errorFile)}); ${fallback}\n`);
  process.exit(strict ? 1 : 0);
}

/** True when `addonFile` is newer than binding.gyp and every file of src/. */
function upToDate(dir, addonFile) {
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

/**
 * Builds the addon of `spec.dir` (binding.gyp, src/) into build/Release/`spec.file` unless up to date.
 * spec: { dir, file, what (e.g. 'native backend'), library (e.g. 'oneDNN addon'), fallback (what resdet does without it) }.
 */
function buildAddon(spec) {
  const addonFile = path.join(spec.dir, 'build', 'Release', spec.file);
  const errorFile = path.join(spec.dir, 'build', 'BUILD_ERROR.txt');
  const failHere = (reason, detail) => fail(spec.dir, spec.what, reason, detail, spec.fallback);
  if (!force && upToDate(spec.dir, addonFile)) {
    process.stdout.write(`resdet: ${spec.library} up to date\n`);
    process.exit(0);
  }
  const gyp = nodeGyp();
  if (!gyp) failHere('node-gyp not found (it ships with npm)');
  try {
    require.resolve('node-addon-api');
  } catch {
    failHere('node-addon-api not installed (npm install)');
  }
  const args = [gyp, 'rebuild', '--directory', spec.dir, '-j', 'max'];
  // Node's own headers: use the installed ones when present (no download, works offline).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  process.stdout.write(`resdet: building the ${spec.what} (${spec.library})...\n`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const log = `${r.stdout || ''}\n${r.stderr || ''}`;
  if (r.status !== 0 || !fs.existsSync(addonFile)) failHere(`build failed: ${firstErrorLine(log)}`, log.split('\n').slice(-60).join('\n'));
  if (fs.existsSync(errorFile)) fs.unlinkSync(errorFile);
  process.stdout.write(`resdet: ${spec.what} built (${path.relative(process.cwd(), addonFile)})\n`);
}

module.exports = { buildAddon, fail };
