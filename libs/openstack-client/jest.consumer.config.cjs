// The consumer test: the built package packed, installed from its tarball outside the workspace and used there.
const preset = require('../../jest.preset.cjs')(__dirname);

module.exports = {
  ...preset,
  displayName: `${preset.displayName}:consumer`,
  testMatch: ['<rootDir>/consumer/**/*.consumer.spec.ts'],
  testTimeout: 300_000,
};
