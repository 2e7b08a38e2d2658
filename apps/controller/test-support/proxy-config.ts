import { ConfigError } from '../src/config/config-error';
import { validateConfigObject } from '../src/config/config-validation';
import { ProxyConfig } from '../src/config/proxy.config';

/**
 * A validated `ProxyConfig` from a test's overrides, through the controller's one validation
 * pipeline (the same as `proxy:` in a config file). Throws the ConfigError a controller would
 * exit with, so a test with a bad setting fails with the same message a user gets.
 */
export function proxyConfigFrom(plain: Record<string, unknown> = {}): ProxyConfig {
  const { config, problems } = validateConfigObject(ProxyConfig, plain);
  if (problems.length > 0)
    throw new ConfigError(
      problems.map((problem) => ({ ...problem, path: `proxy.${problem.path}` })),
    );
  return config;
}
