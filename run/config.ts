/**
 * Configs are data: a YAML file merged over defaults, then `--set key.path=value` overrides (values parsed
 * as YAML: numbers, booleans, lists), then validated against a JSON schema (ajv) whose objects allow no
 * unknown keys — so a misspelt key is an error naming the key and the file, never silently ignored.
 */
import * as fs from 'fs';
import Ajv, { ErrorObject } from 'ajv';
import * as YAML from 'yaml';

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

export function readYaml(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigError(`${file}: invalid YAML at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  let v: unknown;
  try {
    v = doc.toJS() ?? {};
  } catch (e) {
    // e.g. an alias bomb: the yaml library refuses to expand it ("Excessive alias count …")
    throw new ConfigError(`${file}: cannot read config: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new ConfigError(`${file}: a config must be a mapping of keys to values`);
  return v;
}

/** Applies `key.path=value` overrides; the value is parsed as YAML. */
export function applySets(config: Json, sets: string[], knownKeys: (path: string[]) => boolean): Json {
  let out = config;
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${s}: expected key=value`);
    const key = s.slice(0, eq).trim();
    const parts = key.split('.');
    if (!knownKeys(parts)) throw new ConfigError(`--set ${key}: config key '${key}' does not exist`);
    let value: unknown;
    try {
      value = YAML.parse(s.slice(eq + 1));
    } catch (e) {
      throw new ConfigError(`--set ${key}: the value is not valid YAML: ${(e as Error).message.split('\n')[0].replace(/:$/, '')}`);
    }
    const patch: Json = {};
    let cur = patch;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) cur[p] = value;
      else cur = cur[p] = {} as Json;
    });
    out = deepMerge(out, patch);
  }
  return out;
}

function describe(e: ErrorObject, source: string): string {
  const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const key = [at, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
    return `${source}: config key '${key}' does not exist`;
  }
  return `${source}: config key '${at || '(root)'}' ${e.message}`;
}

/** Does `path` name a property the schema declares? */
function schemaHasPath(schema: Json, path: string[]): boolean {
  let s: Json | undefined = schema;
  for (const p of path) {
    const props = s?.properties as Json | undefined;
    if (!props || !(p in props)) return false;
    s = props[p] as Json;
  }
  return true;
}

export function loadConfig<T>(opts: { file?: string; defaults: T; schema: Json; sets?: string[]; overrides?: unknown }): T {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(opts.schema);
  let cfg = opts.defaults as unknown as Json;
  if (opts.file) {
    const fromFile = readYaml(opts.file);
    if (!validate(deepMerge(cfg, fromFile))) {
      throw new ConfigError((validate.errors ?? []).map((e) => describe(e, opts.file!)).join('\n'));
    }
    cfg = deepMerge(cfg, fromFile);
  }
  if (opts.overrides) cfg = deepMerge(cfg, opts.overrides);
  cfg = applySets(cfg, opts.sets ?? [], (p) => schemaHasPath(opts.schema, p));
  if (!validate(cfg)) throw new ConfigError((validate.errors ?? []).map((e) => describe(e, 'config')).join('\n'));
  return cfg as unknown as T;
}
