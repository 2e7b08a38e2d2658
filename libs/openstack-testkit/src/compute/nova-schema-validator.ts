// Nova's request-body validation (nova/api/validation/validators.py) on ajv: a JSON schema in,
// the message of Nova's 400 out. Nova runs Python jsonschema (Draft 4) and reports the FIRST
// error it meets walking the schema in the schema's own key order (for an object: `type`, then
// `properties` in order, then `required`, then `additionalProperties`; items in array order),
// so ajv collects every error and the one Nova would have met first is picked by that walk.
// Message format (validators.py _SchemaValidator.validate): "Invalid input for field/attribute
// <last path element>. Value: <str(value)>. <jsonschema message>", the bare message at the top
// level, and InvalidName's own text for the `name` format.
import Ajv, { type ErrorObject } from 'ajv';
import { pythonRepr, pythonStr } from '../fixtures/nova-error-response.v2.1';

export type JsonSchema = Record<string, unknown>;

export const INVALID_NAME =
  "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
const UUID =
  /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Nova's `minimum` also compares numeric strings ('0' is below 1): validators.py _validate_minimum. */
function numberFromString(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isNaN(n) ? undefined : n;
}

function novaAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strictTypes: false,
    allowUnionTypes: true,
  });
  // Nova's FormatChecker formats (parameter_types.py, validators.py).
  ajv.addFormat('uuid', UUID);
  ajv.addFormat('ipv4', IPV4);
  ajv.addFormat('ipv6', (s: string) => s.includes(':'));
  ajv.addFormat('base64', (s: string) => BASE64.test(s) && s.replace(/\s/g, '').length % 4 === 0);
  ajv.addFormat('name', (s: string) => !/^\s|\s$/u.test(s) && !/\p{Cc}/u.test(s));
  ajv.addKeyword({
    keyword: 'novaMinimum',
    schemaType: 'number',
    errors: true,
    validate: function novaMinimum(min: number, data: unknown): boolean {
      const n = numberFromString(data);
      return n === undefined || n >= min;
    },
  });
  return ajv;
}

type Validate = ((body: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** A compiled Nova schema: `check(body)` is undefined when Nova accepts it, else its 400 message. */
export class NovaSchema {
  private static readonly ajv = novaAjv();
  private readonly validate: Validate;

  constructor(
    private readonly schema: JsonSchema,
    /** Where the checked value sits in Nova's error path (e.g. ['metadata']); [] for a whole body. */
    private readonly basePath: (string | number)[] = [],
  ) {
    this.validate = NovaSchema.ajv.compile(schema);
  }

  check(value: unknown): string | undefined {
    if (this.validate(value)) return undefined;
    const errors = (this.validate.errors ?? []).filter((e) => !insideCombinator(e));
    const first = errors
      .map((error) => ({ error, rank: walkRank(this.schema, value, error) }))
      .sort((a, b) => compareRanks(a.rank, b.rank))[0]?.error;
    if (!first) return 'Invalid input';
    return this.message(first, errors, value);
  }

  private message(error: ErrorObject, all: ErrorObject[], root: unknown): string {
    const path = [...this.basePath, ...pointerTokens(error.instancePath)];
    const value = valueAt(root, pointerTokens(error.instancePath));
    if (error.keyword === 'format' && error.params['format'] === 'name') return INVALID_NAME;
    const text = keywordMessage(error, all, value);
    const shown = error.keyword === 'novaMinimum' ? numberFromString(value) : value;
    if (path.length === 0) return text;
    return `Invalid input for field/attribute ${path[path.length - 1]}. Value: ${pythonStr(shown)}. ${text}`;
  }
}

/** jsonschema's wording of each failed keyword. */
function keywordMessage(error: ErrorObject, all: ErrorObject[], value: unknown): string {
  const repr = pythonRepr(value);
  const schema = error.parentSchema as JsonSchema | undefined;
  switch (error.keyword) {
    case 'type': {
      const types = ([] as unknown[]).concat(schema?.['type']);
      return `${repr} is not of type ${types.map((t) => `'${String(t)}'`).join(', ')}`;
    }
    case 'minLength':
      return `${repr} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${repr} is too long`;
    case 'pattern':
      return `${repr} does not match ${pythonRepr(error.params['pattern'])}`;
    case 'format':
      return `${repr} is not a ${pythonRepr(error.params['format'])}`;
    case 'enum':
      return `${repr} is not one of ${pythonRepr(error.params['allowedValues'])}`;
    case 'novaMinimum':
      return `${pythonRepr(numberFromString(value))} is less than the minimum of ${String(error.schema)}`;
    case 'required':
      return `${pythonRepr(error.params['missingProperty'])} is a required property`;
    case 'oneOf': {
      const passing = error.params['passingSchemas'] as number[] | null;
      const count = ((schema?.['oneOf'] as unknown[]) ?? []).length;
      return passing
        ? `${repr} is valid under each of ${count} of the given schemas`
        : `${repr} is not valid under any of the given schemas`;
    }
    case 'additionalProperties': {
      // jsonschema names every extra key in one error; ajv reports one per key.
      const extras = all
        .filter(
          (e) => e.keyword === 'additionalProperties' && e.instancePath === error.instancePath,
        )
        .map((e) => String(e.params['additionalProperty']));
      const names = extras.map((k) => pythonRepr(k)).join(', ');
      const patterns = Object.keys((schema?.['patternProperties'] as JsonSchema) ?? {});
      if (patterns.length > 0) {
        return `${names} ${extras.length === 1 ? 'does' : 'do'} not match any of the regexes: ${patterns.map((p) => pythonRepr(p)).join(', ')}`;
      }
      return `Additional properties are not allowed (${names} ${extras.length === 1 ? 'was' : 'were'} unexpected)`;
    }
    default:
      return error.message ?? `${repr} is not valid`;
  }
}

/** Errors of one branch of a oneOf: jsonschema reports only the oneOf itself. */
function insideCombinator(error: ErrorObject): boolean {
  return /\/(oneOf|anyOf)\/\d+\//.test(`${error.schemaPath}/`);
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t) => {
      try {
        return decodeURIComponent(t);
      } catch {
        return t;
      }
    });
}

function valueAt(root: unknown, tokens: string[]): unknown {
  let value = root;
  for (const token of tokens) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[token];
  }
  return value;
}

/**
 * Where Python jsonschema would meet this error: the schema walked along the error's schema
 * path, each step ranked by its position (the keyword among its schema's keys, the property
 * among `properties`, the item index, the key among the instance's keys).
 */
function walkRank(schema: JsonSchema, root: unknown, error: ErrorObject): number[] {
  const steps = pointerTokens(error.schemaPath);
  const instance = pointerTokens(error.instancePath);
  const rank: number[] = [];
  let node: JsonSchema = schema;
  let value: unknown = root;
  for (let i = 0; i < steps.length; i++) {
    const keyword = steps[i];
    rank.push(Object.keys(node).indexOf(keyword));
    if (keyword === 'properties' && i + 1 < steps.length) {
      const name = steps[++i];
      const properties = node['properties'] as Record<string, JsonSchema>;
      rank.push(Object.keys(properties).indexOf(name));
      node = properties[name];
      value = valueAt(value, [instance.shift() ?? name]);
    } else if (keyword === 'patternProperties' && i + 1 < steps.length) {
      const pattern = steps[++i];
      const patterns = node['patternProperties'] as Record<string, JsonSchema>;
      const key = instance.shift() ?? '';
      rank.push(Object.keys(patterns).indexOf(pattern));
      rank.push(Object.keys((value as Record<string, unknown>) ?? {}).indexOf(key));
      node = patterns[pattern];
      value = valueAt(value, [key]);
    } else if (keyword === 'items' && !Array.isArray(node['items'])) {
      const index = instance.shift() ?? '0';
      rank.push(Number(index));
      node = node['items'] as JsonSchema;
      value = valueAt(value, [index]);
    } else {
      // The failing keyword itself; a few carry an order of their own.
      if (keyword === 'required')
        rank.push((node['required'] as string[]).indexOf(String(error.params['missingProperty'])));
      if (keyword === 'additionalProperties')
        rank.push(
          Object.keys((value as Record<string, unknown>) ?? {}).indexOf(
            String(error.params['additionalProperty']),
          ),
        );
      break;
    }
  }
  return rank;
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
