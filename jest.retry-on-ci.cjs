// On CI (CI=true: two cores shared by six projects' jest runs, real processes, sockets and a real
// cloud) a failed test gets ONE retry. The first failure is still printed in full
// (logErrorsBeforeRetry) and `.ci/run` lists every retried test again at the end of its stage, so
// a flaky test is seen and fixed; a test that fails twice still turns CI red. Nothing retries on a
// developer's machine.
//
// Not the acceptance suites (`*/acceptance/`): they build their cloud state in beforeAll and walk
// it through steps, with controllers stopped in afterAll, so a retry would run on what the first
// attempt left behind (and beside its controllers) and could pass or fail for the wrong reason.
const testPath = expect.getState().testPath ?? '';
if (process.env.CI === 'true' && !/[\\/]acceptance[\\/]/.test(testPath)) {
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
}
