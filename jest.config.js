/** Unit tests: `npm test`. Long runs live in bench/ and experiments, not here. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, types: ['node', 'jest'] }, diagnostics: false }] },
  // dist/ is rebuilt before every run: CLI tests never run a stale build
  globalSetup: '<rootDir>/test/helpers/build_dist.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
