// On CI (CI=true, two cores shared by six projects' jest runs), a suite under e2e/ or acceptance/
// that drives real processes, sockets and a real cloud gets ONE retry per failed test. The first
// failure is still printed in full (logErrorsBeforeRetry) so a flaky test is seen and fixed, and a
// test that fails twice still turns CI red. Unit specs (fake clock, no processes) never retry.
const { testPath } = expect.getState();
if (process.env.CI === 'true' && /[\\/](e2e|acceptance)[\\/]/.test(testPath ?? '')) {
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
}
