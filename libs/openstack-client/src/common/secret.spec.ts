import { inspect } from 'node:util';
import { Secret } from './secret';

describe('Secret', () => {
  const secret = new Secret('hunter2-very-secret');

  it('reveals the value only through reveal()', () => {
    expect(secret.reveal()).toBe('hunter2-very-secret');
  });

  it.each([
    ['String()', () => String(secret)],
    ['template literal', () => `${secret}`],
    ['JSON.stringify', () => JSON.stringify({ password: secret })],
    ['util.inspect', () => inspect({ nested: { password: secret } }, { depth: 5 })],
    ['string concatenation', () => 'x' + secret],
  ])('%s never shows the value', (_how, render) => {
    const text = render();
    expect(text).not.toContain('hunter2');
    expect(text).toContain('***');
  });

  it('Secret.from keeps an existing Secret and wraps a string', () => {
    expect(Secret.from(secret)).toBe(secret);
    expect(Secret.from('abc').reveal()).toBe('abc');
  });
});
