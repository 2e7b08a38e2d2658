import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OpenStackHttpError,
  QuotaExceededError,
  RateLimitedError,
  ServiceUnavailableError,
  UnauthorizedError,
  errorFromResponse,
  parseErrorBody,
  parseRetryAfterMs,
  redactUrl,
} from './errors';

describe('parseErrorBody: each service has its own format (devcloud Zed captures)', () => {
  it.each<[string, string, string | undefined, { message: string; errorType?: string }]>([
    [
      'Keystone',
      '{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}',
      'application/json',
      { message: 'The request you have made requires authentication.', errorType: 'Unauthorized' },
    ],
    [
      'Nova',
      '{"itemNotFound":{"code":404,"message":"Instance x could not be found."}}',
      'application/json; charset=UTF-8',
      { message: 'Instance x could not be found.', errorType: 'itemNotFound' },
    ],
    [
      'Neutron',
      '{"NeutronError":{"type":"OverQuota","message":"Quota exceeded for resources: [\'port\'].","detail":""}}',
      'application/json',
      { message: "Quota exceeded for resources: ['port'].", errorType: 'OverQuota' },
    ],
    [
      'Glance JSON',
      '{"message":"No image found with ID x<br /><br />\\n\\n\\n","code":"404 Not Found","title":"Not Found"}',
      'application/json',
      { message: 'No image found with ID x', errorType: 'Not Found' },
    ],
    [
      'Glance text',
      '404 Not Found\n\nNo image found with ID x\n\n',
      'text/plain; charset=UTF-8',
      { message: '404 Not Found No image found with ID x' },
    ],
    [
      'an HTML proxy page',
      '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>',
      'text/html',
      { message: '502 Bad Gateway nginx' },
    ],
    ['an empty body', '', undefined, { message: '(empty body)' }],
  ])('%s', (_service, body, contentType, expected) => {
    expect(parseErrorBody(Buffer.from(body), contentType)).toEqual(expected);
  });

  it('cuts very long messages (Keystone dumps whole JSON schemas into 400s)', () => {
    const parsed = parseErrorBody(
      JSON.stringify({ error: { code: 400, message: 'x'.repeat(5000), title: 'Bad Request' } }),
      'application/json',
    );
    expect(parsed.message.length).toBe(503);
  });
});

describe('errorFromResponse', () => {
  const base = {
    service: 'compute',
    method: 'GET',
    url: 'http://h/v2.1/servers/x',
    contentType: 'application/json',
  };
  const make = (status: number, body: unknown, extra: Record<string, string> = {}) =>
    errorFromResponse({ ...base, status, body: JSON.stringify(body), ...extra });

  it.each<[number, unknown, new (...args: never[]) => OpenStackHttpError]>([
    [400, { badRequest: { code: 400, message: 'bad' } }, BadRequestError],
    [401, { error: { code: 401, message: 'auth', title: 'Unauthorized' } }, UnauthorizedError],
    [403, { forbidden: { code: 403, message: "Policy doesn't allow x" } }, ForbiddenError],
    [
      403,
      {
        forbidden: {
          code: 403,
          message: 'Quota exceeded for instances: Requested 1, but already used 3 of 3 instances',
        },
      },
      QuotaExceededError,
    ],
    [404, { itemNotFound: { code: 404, message: 'gone' } }, NotFoundError],
    [409, { conflictingRequest: { code: 409, message: 'busy' } }, ConflictError],
    [
      409,
      { NeutronError: { type: 'OverQuota', message: 'Quota exceeded for resources', detail: '' } },
      QuotaExceededError,
    ],
    [413, { overLimit: { code: 413, message: 'Quota exceeded for ram' } }, QuotaExceededError],
    [429, { overLimit: { code: 429, message: 'slow down' } }, RateLimitedError],
    [503, { computeFault: { code: 503, message: 'down' } }, ServiceUnavailableError],
    [500, { computeFault: { code: 500, message: 'boom' } }, OpenStackHttpError],
  ])('%i %j -> %p', (status, body, type) => {
    const error = make(status, body);
    expect(error).toBeInstanceOf(type);
    expect(error.status).toBe(status);
  });

  it('maps a legacy 413 with Retry-After to RateLimitedError', () => {
    const error = make(
      413,
      { overLimit: { code: 413, message: 'This request was rate-limited.' } },
      { retryAfter: '2' },
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(2000);
  });

  it('builds a message with service, method, URL, status, server message and request id', () => {
    const error = make(
      404,
      { itemNotFound: { code: 404, message: 'Instance x could not be found.' } },
      { requestId: 'req-1' },
    );
    expect(error.message).toBe(
      'compute: GET http://h/v2.1/servers/x -> 404: Instance x could not be found. [req-1]',
    );
  });
});

describe('redactUrl and parseRetryAfterMs', () => {
  it('removes userinfo and masks secret-looking query values', () => {
    expect(redactUrl('https://user:pw@h:5000/v3/x?token=abc&name=web&X-Auth-Token=t')).toBe(
      'https://h:5000/v3/x?token=***&name=web&X-Auth-Token=***',
    );
  });

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(
      parseRetryAfterMs(
        'Wed, 21 Oct 2015 07:28:05 GMT',
        Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'),
      ),
    ).toBe(5000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});
