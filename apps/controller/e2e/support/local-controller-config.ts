import { SERVICE_BUNDLE } from './controller-process';

/** Sections to set beyond the defaults; `local` is merged into `provider.local`. */
export interface LocalControllerSections {
  readonly proxy?: Record<string, unknown>;
  readonly admin?: Record<string, unknown>;
  readonly local?: Record<string, unknown>;
}

/**
 * The start of every local-provider controller config of the e2e specs: inside the test's own
 * loopback /24 (proxy .200 and admin .201 on ephemeral ports, instances from .1) running the
 * built service bundle. Spread it and add the sections a spec is about:
 * `{ ...localControllerConfig(prefix, { local: { bootDelayMs: 0 } }), scaling: { ... } }`.
 */
export function localControllerConfig(
  prefix: string,
  sections: LocalControllerSections = {},
): Record<string, unknown> {
  return {
    proxy: { listenHost: `${prefix}.200`, listenPort: 0, ...sections.proxy },
    admin: { listenHost: `${prefix}.201`, listenPort: 0, ...sections.admin },
    provider: {
      kind: 'local',
      local: { bundlePath: SERVICE_BUNDLE, firstAddress: `${prefix}.1`, ...sections.local },
    },
  };
}
