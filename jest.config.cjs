/** Tests mirror the tree under tests/. TypeScript is compiled by swc (the typecheck is `tsc`, run by `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  // middy and a few others ship ESM only: let swc compile them to CommonJS too.
  transformIgnorePatterns: [
    '/node_modules/(?!(@middy|@kubernetes|kubernetes-models|@kubernetes-models|openid-client|oauth4webapi|jose|p-retry|is-network-error)/)',
  ],
  // middy's export map offers `import` only; point jest at its files (compiled by swc, see above).
  moduleNameMapper: { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  // Names every missing system tool (scripts/dev-tools.txt) before any test runs.
  globalSetup: '<rootDir>/scripts/check-tools.cjs',
  setupFilesAfterEnv: ['<rootDir>/tests/setup.ts'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/tests/reporters/summary-line.cjs'],
};
