/** Tests are TypeScript run through ts-jest; type errors are caught by `npm run typecheck:test`, so ts-jest only transpiles (much faster on 2 cores). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 30000,
  maxWorkers: 2,
};
