// Three projects so CI can run the fast ones first and the browser ones last (see scripts/test.sh).
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Source imports use NodeNext-style ".js" suffixes; jest resolves them to the .ts sources.
  moduleNameMapper: {
    '^@classbridge/(protocol|sfu|recorder|ai|signaling|seeds|client-sdk|load-tests)$': '<rootDir>/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/*/test/**/*.unit.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/*/test/**/*.int.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/*/test/**/*.e2e.test.ts'] },
  ],
};
