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
  for (let proto = instance ? Object.getPrototypeOf(instance) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if (secretFieldsByClass.get(proto.constructor)?.has(property)) return true;
  }
  return false;
}
