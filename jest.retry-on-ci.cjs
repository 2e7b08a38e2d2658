// On CI (CI=true: two cores shared by six projects' jest runs, real processes, sockets and a real
// cloud) a failed test gets ONE retry. The first failure is still printed in full
// (logErrorsBeforeRetry) and `.ci/run` lists every retried test again at the end of its stage, so
// a flaky test is seen and fixed; a test that fails twice still turns CI red. Nothing retries on a
// developer's machine.
if (process.env.CI === 'true') {
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
}
