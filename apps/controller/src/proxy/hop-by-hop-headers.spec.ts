import {
  connectionNamedHeaders,
  isHopByHop,
  mayBeSpecialHeader,
  responseHeadersForClient,
} from './hop-by-hop-headers';

describe('hop-by-hop headers', () => {
  it('reads the names a Connection header lists, never the framing headers or Host', () => {
    expect(connectionNamedHeaders('close, X-Foo ,x-bar')).toEqual(
      new Set(['close', 'x-foo', 'x-bar']),
    );
    expect(connectionNamedHeaders('Content-Length, Transfer-Encoding, Host')).toBeUndefined();
    expect(connectionNamedHeaders(undefined)).toBeUndefined();
  });

  it('names nothing beyond the fixed set for keep-alive and the hop-by-hop names themselves', () => {
    expect(connectionNamedHeaders('keep-alive')).toBeUndefined();
    expect(connectionNamedHeaders('Keep-Alive')).toBeUndefined();
    expect(connectionNamedHeaders('Upgrade, KEEP-ALIVE, te')).toBeUndefined();
    expect(connectionNamedHeaders(['Keep-Alive', 'X-Foo'])).toEqual(new Set(['x-foo']));
  });

  it('never lets a hop-by-hop or specially treated name skip the lower-cased checks', () => {
    for (const name of [
      'Connection',
      'KEEP-ALIVE',
      'Proxy-Connection',
      'TE',
      'Trailer',
      'Upgrade',
      'Proxy-Authenticate',
      'Proxy-Authorization',
      'Transfer-Encoding',
      'HOST',
      'X-Forwarded-For',
      'X-Forwarded-Proto',
      'X-Forwarded-Host',
      'Forwarded',
      'X-Real-IP',
    ]) {
      expect(mayBeSpecialHeader(name)).toBe(true);
    }
    expect(mayBeSpecialHeader('Accept')).toBe(false);
    expect(mayBeSpecialHeader('Content-Type')).toBe(false);
  });

  it('knows the RFC 9110 §7.6.1 set plus what Connection names', () => {
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'te',
      'trailer',
      'upgrade',
      'proxy-authenticate',
      'proxy-authorization',
    ]) {
      expect(isHopByHop(name, undefined)).toBe(true);
    }
    expect(isHopByHop('x-foo', new Set(['x-foo']))).toBe(true);
    expect(isHopByHop('x-foo', undefined)).toBe(false);
  });

  it('filters a response header list, keeping duplicates and order, dropping Transfer-Encoding', () => {
    const filtered = responseHeadersForClient([
      'Set-Cookie',
      'a=1',
      'Connection',
      'X-Internal',
      'X-Internal',
      'secret',
      'Transfer-Encoding',
      'chunked',
      'Set-Cookie',
      'b=2',
      'Keep-Alive',
      'timeout=5',
    ]);
    expect(filtered).toEqual(['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });

  it('strips hop-by-hop names in any case when Connection names nothing extra', () => {
    const filtered = responseHeadersForClient([
      'CONNECTION',
      'keep-alive',
      'KEEP-ALIVE',
      'timeout=5',
      'Proxy-Authenticate',
      'Basic',
      'Content-Type',
      'text/plain',
      'transfer-encoding',
      'chunked',
      'TRAILER',
      'X-Checksum',
    ]);
    expect(filtered).toEqual(['Content-Type', 'text/plain']);
  });

  it('keeps Upgrade and says Connection: Upgrade for a 101 WebSocket answer', () => {
    expect(
      responseHeadersForClient(
        ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'x'],
        true,
      ),
    ).toEqual(['Upgrade', 'websocket', 'Sec-WebSocket-Accept', 'x', 'Connection', 'Upgrade']);
  });
});
