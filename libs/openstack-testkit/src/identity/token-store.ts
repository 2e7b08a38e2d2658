// Issued Keystone tokens. Every other service validates X-Auth-Token here, so expiry and
// revocation behave the same everywhere (as keystonemiddleware does against a real Keystone).
import { randomBytes } from 'node:crypto';
import type { TokenRecord } from '../http/wire';

export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  /**
   * How the services treat a token limited by access rules. `enforced`: only the listed calls
   * (keystonemiddleware with its service_type set). `unsupported`: every call is refused with
   * 401, as the devcloud's Zed services answer (their keystonemiddleware has no service_type).
   */
  accessRules: 'enforced' | 'unsupported' = 'enforced';

  constructor(private readonly ttlMs: number) {}

  issue(fields: Omit<TokenRecord, 'id' | 'issuedAtMs' | 'expiresAtMs'>): TokenRecord {
    // Fernet tokens start with gAAAAAB; the shape matters to clients that log a token prefix.
    const id = `gAAAAAB${randomBytes(120).toString('base64url')}`;
    const now = Date.now();
    const record: TokenRecord = { id, issuedAtMs: now, expiresAtMs: now + this.ttlMs, ...fields };
    this.tokens.set(id, record);
    return record;
  }

  /** The token if known and not expired, else null. */
  validate(id: string): TokenRecord | null {
    const record = this.tokens.get(id);
    if (!record || record.expiresAtMs <= Date.now()) return null;
    return record;
  }

  expireAll(): number {
    const now = Date.now();
    let expired = 0;
    for (const record of this.tokens.values()) {
      if (record.expiresAtMs > now) expired += 1;
      record.expiresAtMs = Math.min(record.expiresAtMs, now);
    }
    return expired;
  }

  get issuedCount(): number {
    return this.tokens.size;
  }

  /** Every token id ever issued (for masking checks in tests). */
  ids(): string[] {
    return [...this.tokens.keys()];
  }

  /** Whether `token` may make this call under its access rules (always, without rules). */
  allows(token: TokenRecord, service: string, method: string, servicePath: string): boolean {
    const rules = token.accessRules ?? [];
    if (rules.length === 0) return true;
    if (this.accessRules === 'unsupported') return false;
    return rules.some(
      (rule) =>
        rule.service === service &&
        rule.method === method &&
        accessRulePattern(rule.path).test(servicePath),
    );
  }
}

/** Keystone's access rule paths: `*` one path segment, `**` any number of them. */
function accessRulePattern(path: string): RegExp {
  const source = path
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === '**' ? '.*' : part === '*' ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}/?$`);
}
