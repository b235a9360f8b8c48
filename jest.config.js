/** ts-jest only transpiles (isolatedModules); `npm run lint` type-checks the tests with tsc, which is much faster on 2 cores. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  maxWorkers: 2,
  /** One in-memory Azurite for the run; tests read TEST_TABLES_CONNECTION_STRING. */
  /** Every connection a test opens must stay on this machine (see the file). */
  setupFiles: ['<rootDir>/test/support/loopbackOnly.ts'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
};
