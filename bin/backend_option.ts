/**
 * The `--backend` option, one definition for every command that runs tensors: the names come from
 * engine/backend.ts (so `native` and any new backend show in every help text), no default of its own — the
 * command falls back to $RESDET_BACKEND, then auto (engine/backend.ts initBackend).
 */
import { Option } from 'commander';
import { BACKEND_NAMES } from '../engine/backend';

export function backendOption(): Option {
  return new Option('--backend <name>', `${BACKEND_NAMES.join(' | ')} (default: $RESDET_BACKEND or auto)`);
}
