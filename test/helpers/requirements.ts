/**
 * Tests that need something outside the repository — PyTorch, numpy, ONNX's checker, Fashion-MNIST, the native
 * backend, Chromium, Open MPI with resdet's MPI addon —
 * declare it here instead of skipping on their own:
 *
 *   const { describe: describeTorch, test: testTorch } = requires('torch');
 *
 * When the requirement is met these are jest's own `describe` / `test`. When it is missing they skip, with one
 * note naming what is missing — unless `RESDET_REQUIRE_ALL=1` or `CI` is set (`.ci/run` sets the former): then
 * every such test FAILS with that note, so that a CI machine that lost torch or the addon cannot turn the
 * comparisons into silent skips.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type Requirement = 'torch' | 'numpy' | 'onnx' | 'fashion-mnist' | 'native' | 'chromium' | 'mpi';

/** The Python with torch, torchvision and numpy (Debian's); RESDET_TEST_PYTHON overrides it (a missing path tests the skips). */
export const PYTHON = process.env.RESDET_TEST_PYTHON ?? '/usr/bin/python3';
/** Debian's Chromium, driven by puppeteer-core in the report tests; RESDET_TEST_CHROMIUM overrides it. */
export const CHROMIUM = process.env.RESDET_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

function pythonImports(modules: string, hint: string): string | null {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} does not exist (${hint})`;
  const r = spawnSync(PYTHON, ['-c', `import ${modules}`], { encoding: 'utf8', timeout: 120_000 });
  return r.status === 0 ? null : `${PYTHON} cannot import ${modules} (${hint})`;
}

const CHECKS: Record<Requirement, () => string | null> = {
  torch: () => pythonImports('torch, torchvision', 'apt-get install python3-torch python3-torchvision'),
  numpy: () => pythonImports('numpy', 'apt-get install python3-numpy'),
  // Debian's python3-onnx: its checker (onnx.checker.check_model, full_check) judges every file resdet exports
  onnx: () => pythonImports('onnx, onnx.checker', 'apt-get install python3-onnx'),
  'fashion-mnist': () => {
    const absent = FASHION_MNIST_FILES.filter((f) => !fs.existsSync(path.join(FASHION_MNIST_DIR, f)));
    return absent.length ? `Fashion-MNIST: ${absent.join(', ')} not in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist)` : null;
  },
  chromium: () => (fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} does not exist (apt-get install chromium)`),
  native: () => {
    // required lazily: only the tests that need the addon load tfjs and register the backend
    const { nativeUnavailable } = require('../../engine/native/index') as typeof import('../../engine/native/index');
    const why = nativeUnavailable();
    return why ? `native backend not built: ${why} (apt-get install libdnnl-dev, then npm run build:native)` : null;
  },
  mpi: () => {
    // mpirun (openmpi-bin) to launch, and resdet's addon (built against libopenmpi-dev) in each process
    const { mpiAddon, mpiMissingReason, MPI_HINT } = require('../../engine/distributed/mpi_addon') as typeof import('../../engine/distributed/mpi_addon');
    const mpirun = spawnSync(process.env.RESDET_MPIRUN || 'mpirun', ['--version'], { encoding: 'utf8' });
    if (mpirun.error || mpirun.status !== 0) return `Open MPI's mpirun not found (${MPI_HINT})`;
    return mpiAddon() ? null : `resdet's MPI addon not available: ${mpiMissingReason()} (${MPI_HINT})`;
  },
};

const known = new Map<Requirement, string | null>();

/** Why `req` is not met on this machine, or null when it is (checked once per test file). */
export function missing(req: Requirement): string | null {
  if (!known.has(req)) known.set(req, CHECKS[req]());
  return known.get(req) ?? null;
}

/** True when a missing requirement must fail its tests instead of skipping them. */
export function requireAll(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return on(env.RESDET_REQUIRE_ALL) || on(env.CI);
}

export interface Gated {
  describe: jest.Describe;
  test: jest.It;
  it: jest.It;
  /** null when the requirements are met, else why not. */
  why: string | null;
}

/** `describe` / `test` that run when every requirement is met; see the file comment for what they do otherwise. */
export function requires(...reqs: Requirement[]): Gated {
  const reasons = reqs.map(missing).filter((w): w is string => w !== null);
  return requireWhen(reasons.length ? reasons.join('; ') : null);
}

/** As `requires`, for a condition the test computes itself: `why` is null when it holds, else the reason. */
export function requireWhen(why: string | null): Gated {
  if (why === null) return { describe, test, it, why };
  if (!requireAll()) {
    console.warn(`skipped: ${why}`);
    return { describe: describe.skip, test: test.skip, it: it.skip, why };
  }
  const message = `required (RESDET_REQUIRE_ALL or CI is set) but missing: ${why}`;
  const fail = (name: string) => test(name, () => { throw new Error(message); });
  // test.each(table)(name, fn) too: one failing test per row would say the same thing, so one in all
  const failing = Object.assign(fail, { each: () => (name: string) => fail(name) }) as unknown as jest.It;
  const failingGroup = ((name: string) => describe(name, () => { test('its requirements', () => { throw new Error(message); }); })) as unknown as jest.Describe;
  return { describe: failingGroup, test: failing, it: failing, why };
}

/**
 * For tests run once per backend: `backends` plus 'native' when the addon is built. When it is not, the native
 * runs are skipped with a note — or, under RESDET_REQUIRE_ALL / CI, a test named `name` fails saying why.
 */
export function withNative(backends: string[], name: string): string[] {
  const why = missing('native');
  if (why === null) return [...backends, 'native'];
  requireWhen(why).test(`${name} on the native backend`, () => undefined);
  return backends;
}
