import { inspect } from 'node:util';

const MASK = '***';

/**
 * Holds a password, token or application-credential secret so that it cannot leak by accident:
 * `String(secret)`, `JSON.stringify(secret)`, template literals and `util.inspect` (console.log)
 * all print `***`. Only `reveal()` returns the value, and only the session calls it (to build an
 * auth body or the X-Auth-Token header).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** Wraps a string; returns an existing Secret unchanged. */
  static from(value: string | Secret): Secret {
    return value instanceof Secret ? value : new Secret(value);
  }

  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }

  [Symbol.toPrimitive](): string {
    return MASK;
  }
}
