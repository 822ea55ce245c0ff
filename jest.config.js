/** Unit tests: `npm test`. Long runs live in bench/ and experiments, not here. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, types: ['node', 'jest'] }, diagnostics: false }] },
  testTimeout: 120000,
  maxWorkers: 2,
};
