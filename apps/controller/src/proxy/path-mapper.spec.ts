import { PathMapper } from './path-mapper';

describe('PathMapper', () => {
  const mapper = new PathMapper([
    { method: 'GET', from: '/', to: '/work' },
    { from: '/old', to: '/new' },
    { method: 'GET', from: '/old', to: '/new-get' },
  ]);

  it('maps GET / to /work and keeps the query string', () => {
    expect(mapper.map('GET', '/')).toBe('/work');
    expect(mapper.map('GET', '/?n=1')).toBe('/work?n=1');
  });

  it('matches exact paths only, per method; a method-specific mapping beats an any-method one', () => {
    expect(mapper.map('POST', '/')).toBe('/');
    expect(mapper.map('GET', '/work')).toBe('/work');
    expect(mapper.map('GET', '/other')).toBe('/other');
    expect(mapper.map('POST', '/old')).toBe('/new');
    expect(mapper.map('GET', '/old')).toBe('/new-get');
  });

  it('passes everything through with no mappings', () => {
    expect(new PathMapper([]).map('GET', '/?x')).toBe('/?x');
  });
});
