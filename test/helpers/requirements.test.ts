/**
 * test/helpers/requirements.ts: a test whose requirement is missing skips locally and fails under
 * RESDET_REQUIRE_ALL=1 or CI. Checked end to end by running a fixture test file
 * (test/fixtures/requirements/needs_torch.fixture.ts) in a child jest with a Python that does not exist.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { requireAll } from './requirements';

const ROOT = path.resolve(__dirname, '..', '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const CONFIG = JSON.stringify({
  rootDir: ROOT,
  roots: ['<rootDir>/test/fixtures/requirements'],
  testMatch: ['**/*.fixture.ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, types: ['node', 'jest'] }, diagnostics: false }] },
});

/** Runs the fixture with no torch; returns jest's exit code and its JSON summary. */
function runFixture(env: Record<string, string>): { code: number; summary: { numPassedTests: number; numFailedTests: number; numPendingTests: number }; output: string } {
  const base = { ...process.env };
  delete base.CI;
  delete base.RESDET_REQUIRE_ALL;
  const r = spawnSync(process.execPath, [JEST, '--config', CONFIG, '--json', '--ci=false', '--runInBand'], {
    cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...base, RESDET_TEST_PYTHON: '/nonexistent/python3', RESDET_NATIVE_ADDON: '/nonexistent/resdet_native.node', ...env },
  });
  return { code: r.status ?? -1, summary: JSON.parse(r.stdout), output: r.stderr };
}

test('missing requirement, locally: the tests that need it skip with a note, the others run', () => {
  const r = runFixture({});
  expect(r.summary).toMatchObject({ numPassedTests: 2, numFailedTests: 0, numPendingTests: 3 });
  expect(r.code).toBe(0);
  expect(r.output).toMatch(/skipped: \/nonexistent\/python3 does not exist \(apt-get install python3-torch python3-torchvision\)/);
  expect(r.output).toMatch(/skipped: native backend not built: .*apt-get install libdnnl-dev/);
});

test.each([['RESDET_REQUIRE_ALL', '1'], ['CI', 'true']])('missing requirement with %s=%s: the tests that need it fail, naming it', (name, value) => {
  const r = runFixture({ [name]: value });
  expect(r.summary).toMatchObject({ numPassedTests: 2, numFailedTests: 3, numPendingTests: 0 });
  expect(r.code).toBe(1);
  expect(r.output).toMatch(/required \(RESDET_REQUIRE_ALL or CI is set\) but missing: \/nonexistent\/python3 does not exist/);
  expect(r.output).toMatch(/a per-backend test on the native backend[\s\S]*missing: native backend not built/);
});

test('requireAll reads RESDET_REQUIRE_ALL and CI', () => {
  expect(requireAll({})).toBe(false);
  expect(requireAll({ RESDET_REQUIRE_ALL: '1' })).toBe(true);
  expect(requireAll({ RESDET_REQUIRE_ALL: '0' })).toBe(false);
  expect(requireAll({ CI: 'true' })).toBe(true);
  expect(requireAll({ CI: 'false' })).toBe(false);
  expect(requireAll({ CI: '' })).toBe(false);
});
