const preset = require('../../jest.preset.cjs')(__dirname);

// consumer/ has its own target (consumer-test, jest.consumer.config.cjs): it packs and installs the built package.
module.exports = {
  ...preset,
  testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '/consumer/'],
};
