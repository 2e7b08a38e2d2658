import { ConfigError, MicroversionNotSupportedError } from '../common/errors';

/**
 * A compute API microversion "X.Y" (Nova API reference "Microversions"). The client is written
 * against microversions up to LATEST_SUPPORTED_COMPUTE_MICROVERSION; `latest` negotiates the
 * highest version both the cloud and this client know.
 */
export class Microversion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string, where = 'microversion'): Microversion {
    const match = /^(\d+)\.(\d+)$/.exec(text.trim());
    if (!match)
      throw new ConfigError(
        where,
        `"${text}" is not a microversion`,
        'allowed: "X.Y" such as "2.79", or "latest"',
      );
    return new Microversion(Number(match[1]), Number(match[2]));
  }

  compare(other: Microversion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  atLeast(other: Microversion | string): boolean {
    return this.compare(typeof other === 'string' ? Microversion.parse(other) : other) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

/** The newest compute microversion whose response shapes this client reads. */
export const LATEST_SUPPORTED_COMPUTE_MICROVERSION = '2.96';

/** Microversions at which a shape we read or send changes (documented per field in results/requests). */
export const COMPUTE_MICROVERSION_FEATURES = {
  keypairType: '2.2',
  serverTagsApi: '2.26',
  networksAutoNone: '2.37',
  deviceTags: '2.42',
  createImageReturnsBody: '2.45',
  embeddedFlavor: '2.47',
  tagsAtCreate: '2.52',
  /** Nova stopped generating keypairs at 2.92 (public_key becomes required). */
  keypairGenerationRemoved: '2.92',
} as const;

/** Throws MicroversionNotSupportedError unless `current` >= `required`. */
export function requireMicroversion(
  current: Microversion,
  required: string,
  feature: string,
): void {
  if (!current.atLeast(required)) {
    throw new MicroversionNotSupportedError(
      'compute',
      feature,
      required,
      `this client negotiated ${current}`,
    );
  }
}
