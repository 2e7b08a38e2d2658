// Shared jest settings: ts-jest in transpile-only mode (tsconfig.spec.json sets isolatedModules),
// which keeps Nest's decorator metadata and leaves type checking to each project's `typecheck` target.
const path = require('node:path');

/** @param {string} projectDir absolute path of the project using the preset */
module.exports = function jestPreset(projectDir) {
  return {
    displayName: path.basename(projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    moduleFileExtensions: ['ts', 'js', 'json'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(projectDir, 'tsconfig.spec.json') }],
    },
    // Tests import workspace libraries from source, so no build is needed to test them.
    moduleNameMapper: {
      '^@osa/openstack-client$': path.join(__dirname, 'libs/openstack-client/src/index.ts'),
      '^@osa/golden-image$': path.join(__dirname, 'libs/golden-image/src/index.ts'),
      '^@osa/openstack-testkit$': path.join(__dirname, 'libs/openstack-testkit/src/index.ts'),
    },
    // Child processes and servers are real; give them time, but never forever.
    testTimeout: 30_000,
    setupFilesAfterEnv: [path.join(__dirname, 'jest.retry-on-ci.cjs')],
  };
};
