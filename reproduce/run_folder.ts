/**
 * What the reproduction commands need of an ordinary run folder: is it finished, may it be resumed with this
 * config (a folder made with another config is refused rather than mixed), and how long did it take over all
 * its sessions (from the JSON-lines log's timestamps).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError } from '../run/config';
import { JsonlLog } from '../run/jsonl_log';

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
  return v;
}

/** The first key (dotted) whose value differs between two configs, or null. */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return JSON.stringify(stable(a)) === JSON.stringify(stable(b)) ? null : at || '(root)';
}

/**
 * Readies `dir` for a (possibly resumed) run of `cfg`: a folder holding another config (the backend aside)
 * is a ConfigError; a log left by a session stopped before its first checkpoint is removed (the run starts over).
 */
export function prepareRunFolder(dir: string, cfg: object): void {
  const file = path.join(dir, 'config.yaml');
  if (fs.existsSync(file)) {
    const { backend: _a, ...before } = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const { backend: _b, ...now } = cfg as Record<string, unknown>;
    const key = firstDifference(before, now);
    if (key) throw new ConfigError(`${dir}: this run folder was made with another config (${key} differs); use another --out or remove the folder`);
  }
  if (!fs.existsSync(path.join(dir, 'last_checkpoint'))) fs.rmSync(path.join(dir, 'log.jsonl'), { force: true });
}

/** Seconds of work in a run's log: each session from its start/resume record to its last record, summed. */
export function runSeconds(logFile: string): number {
  let total = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const r of JsonlLog.read(logFile)) {
    const t = Date.parse(String(r.time));
    if (!Number.isFinite(t)) continue;
    if (r.type === 'start' || r.type === 'resume') {
      if (first !== null && last !== null) total += last - first;
      first = t;
    }
    last = t;
  }
  if (first !== null && last !== null) total += last - first;
  return total / 1000;
}
