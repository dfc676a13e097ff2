/**
 * The fault-injection suite (`npm run test:fault`): real processes, broken on purpose; minutes per
 * scenario, so it is kept out of the default `npm test`. Each scenario writes docs/reliability.json.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/fault/**/*.fault.ts'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/scratch/'],
  testTimeout: 30 * 60_000,
};
