import {
  UPSTREAM_CONNECT_TIMEOUT,
  UPSTREAM_RESPONSE_TIMEOUT,
  classifyUpstreamError,
  upstreamError,
} from './upstream-error-table';

describe('upstream error table', () => {
  it.each([
    ['ECONNREFUSED', 502, 'connect-failed', true],
    [UPSTREAM_CONNECT_TIMEOUT, 504, 'connect-failed', true],
    ['ENOTFOUND', 503, 'connect-failed', true],
    [UPSTREAM_RESPONSE_TIMEOUT, 504, 'timeout', false],
    ['ECONNRESET', 502, 'reset', false],
    ['HPE_INVALID_CONSTANT', 502, 'reset', false],
  ])('%s -> %d %s (before connect: %p)', (code, status, outcome, beforeConnect) => {
    const failure = classifyUpstreamError(upstreamError(code, 'x'));
    expect([failure.status, failure.outcome, failure.beforeConnect]).toEqual([
      status,
      outcome,
      beforeConnect,
    ]);
  });

  it('treats only resets as retryable-on-reuse', () => {
    expect(classifyUpstreamError(upstreamError('ECONNRESET', 'x')).reset).toBe(true);
    expect(classifyUpstreamError(upstreamError('EPIPE', 'x')).reset).toBe(true);
    expect(classifyUpstreamError(new Error('no code')).reset).toBe(false);
  });
});
