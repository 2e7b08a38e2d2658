/**
 * Marks config fields that hold secrets (tokens, passwords). Validation messages and any
 * printout of the config show `***` instead of their value.
 */
const secretFieldsByClass = new WeakMap<object, Set<string>>();

export const SECRET_MASK = '***';

export function SecretField(): PropertyDecorator {
  return (target, propertyKey) => {
    const fields = secretFieldsByClass.get(target.constructor) ?? new Set<string>();
    fields.add(String(propertyKey));
    secretFieldsByClass.set(target.constructor, fields);
  };
}

/** Whether `property` of `instance` (or of its class's ancestors) is marked as a secret. */
export function isSecretField(instance: object | undefined, property: string): boolean {
  for (
    let proto = instance ? Object.getPrototypeOf(instance) : null;
    proto;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (secretFieldsByClass.get(proto.constructor)?.has(property)) return true;
  }
  return false;
}

/**
 * A plain copy of a config value with every @SecretField shown as `***` (a secret map keeps its
 * keys, each value masked: the names say what is set, the values may be credentials) and every
 * `Secret` from @osa/openstack-client serialised as it serialises itself (`***`).
 */
export function maskSecretFields(value: unknown, owner?: object, key?: string): unknown {
  if (owner && key !== undefined && isSecretField(owner, key)) {
    if (value === undefined) return undefined;
    const isMap =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof (value as { toJSON?: unknown }).toJSON !== 'function';
    return isMap
      ? Object.fromEntries(Object.keys(value).map((name) => [name, SECRET_MASK]))
      : SECRET_MASK;
  }
  if (value === null || typeof value !== 'object') return value;
  // Secret (from @osa/openstack-client) and Dates serialise themselves (a Secret as ***).
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return JSON.parse(JSON.stringify(value));
  if (Array.isArray(value)) return value.map((item) => maskSecretFields(item));
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value))
    out[name] = maskSecretFields(field, value, name);
  return out;
}
