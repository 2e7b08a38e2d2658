// Nova's JSON-schema check of POST /servers, reported the way Nova reports it: the first error
// jsonschema (Draft 4) finds, walking the schema in its own key order (properties in schema order,
// then `required`, then `additionalProperties`), so a bad `imageRef` is named before a missing
// `networks` (seen on the devcloud by the acceptance suite). Sources: nova
// api/openstack/compute/schemas/servers.py (base_create and its 2.19/2.37/2.52/2.57/2.63/2.74/2.90
// variants), api/validation/parameter_types.py, api/validation/validators.py (message format
// "Invalid input for field/attribute <last path element>. Value: <str(value)>. <jsonschema message>",
// or the bare message when the error is at the top level, or the InvalidName text for names).
import { pythonRepr, pythonStr } from '../fixtures/nova-error-response.v2.1';
import { atLeast, type Microversion } from './microversion';

/** What a failed check says, as Nova's validator words it. */
class SchemaError {
  constructor(
    readonly path: (string | number)[],
    readonly value: unknown,
    readonly message: string,
    readonly nameCause = false,
  ) {}

  toString(): string {
    if (this.nameCause) return INVALID_NAME;
    if (this.path.length === 0) return this.message;
    const field = this.path[this.path.length - 1];
    return `Invalid input for field/attribute ${field}. Value: ${pythonStr(this.value)}. ${this.message}`;
  }
}

type Check = (value: unknown, path: (string | number)[]) => SchemaError | undefined;

const INVALID_NAME =
  "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
const UUID =
  /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function ofType(...types: string[]): Check {
  return (value, path) => {
    const actual = typeName(value);
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    return ok
      ? undefined
      : new SchemaError(
          path,
          value,
          `${pythonRepr(value)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`,
        );
  };
}

function all(...checks: Check[]): Check {
  return (value, path) => {
    for (const check of checks) {
      const error = check(value, path);
      if (error) return error;
    }
    return undefined;
  };
}

const minLength =
  (n: number): Check =>
  (value, path) =>
    typeof value === 'string' && [...value].length < n
      ? new SchemaError(path, value, `${pythonRepr(value)} is too short`)
      : undefined;

const maxLength =
  (n: number): Check =>
  (value, path) =>
    typeof value === 'string' && [...value].length > n
      ? new SchemaError(path, value, `${pythonRepr(value)} is too long`)
      : undefined;

const pattern =
  (re: RegExp, source: string): Check =>
  (value, path) =>
    typeof value === 'string' && !re.test(value)
      ? new SchemaError(path, value, `${pythonRepr(value)} does not match ${pythonRepr(source)}`)
      : undefined;

const format =
  (name: string, test: (s: string) => boolean): Check =>
  (value, path) =>
    typeof value === 'string' && !test(value)
      ? new SchemaError(path, value, `${pythonRepr(value)} is not a ${pythonRepr(name)}`)
      : undefined;

/** Nova compares numeric strings too ('0' is below the minimum of 1). */
const minimum =
  (n: number): Check =>
  (value, path) => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value !== ''
          ? Number(value)
          : NaN;
    return !Number.isNaN(number) && number < n
      ? new SchemaError(path, number, `${pythonRepr(number)} is less than the minimum of ${n}`)
      : undefined;
  };

function oneOf(...options: Check[]): Check {
  return (value, path) => {
    const valid = options.filter((option) => option(value, path) === undefined).length;
    if (valid === 1) return undefined;
    return new SchemaError(
      path,
      value,
      valid === 0
        ? `${pythonRepr(value)} is not valid under any of the given schemas`
        : `${pythonRepr(value)} is valid under each of ${options.length} of the given schemas`,
    );
  };
}

function enumOf(values: string[]): Check {
  return (value, path) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : new SchemaError(path, value, `${pythonRepr(value)} is not one of ${pythonRepr(values)}`);
}

function arrayOf(items: Check, maxItems?: number): Check {
  return (value, path) => {
    const type = ofType('array')(value, path);
    if (type) return type;
    const list = value as unknown[];
    for (let i = 0; i < list.length; i += 1) {
      const error = items(list[i], [...path, i]);
      if (error) return error;
    }
    if (maxItems !== undefined && list.length > maxItems)
      return new SchemaError(path, value, `${pythonRepr(value)} is too long`);
    return undefined;
  };
}

/** type object, properties in order, required, additionalProperties false. */
function object(properties: [string, Check][], required: string[] = [], closed = true): Check {
  return (value, path) => {
    const type = ofType('object')(value, path);
    if (type) return type;
    const record = value as Record<string, unknown>;
    for (const [key, check] of properties) {
      if (key in record) {
        const error = check(record[key], [...path, key]);
        if (error) return error;
      }
    }
    for (const key of required) {
      if (!(key in record))
        return new SchemaError(path, value, `${pythonRepr(key)} is a required property`);
    }
    if (closed) {
      const known = new Set(properties.map(([key]) => key));
      const extra = Object.keys(record).filter((key) => !known.has(key));
      if (extra.length > 0) {
        return new SchemaError(
          path,
          value,
          `Additional properties are not allowed (${extra.map((k) => pythonRepr(k)).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
        );
      }
    }
    return undefined;
  };
}

/** parameter_types.name: printable, no leading/trailing whitespace (else InvalidName's text). */
const name: Check = all(ofType('string'), minLength(1), maxLength(255), (value, path) =>
  typeof value === 'string' && (/^\s|\s$/u.test(value) || /\p{Cc}/u.test(value))
    ? new SchemaError(path, value, INVALID_NAME, true)
    : undefined,
);

const uuidString = all(
  ofType('string'),
  format('uuid', (s) => UUID.test(s)),
);
const ipAddress = all(
  ofType('string'),
  oneOf(
    format('ipv4', (s) => IPV4.test(s)),
    format('ipv6', (s) => s.includes(':')),
  ),
);
const positiveInteger = all(
  ofType('integer', 'string'),
  pattern(/^[0-9]*$/, '^[0-9]*$'),
  minimum(1),
  minLength(1),
);
const tag = all(ofType('string'), pattern(/^[^,/]*$/, '^[^,/]*$'), minLength(1), maxLength(60));

/** parameter_types.metadata: string values up to 255 under keys matching the pattern. */
export const metadataSchema: Check = (value, path) => {
  const type = ofType('object')(value, path);
  if (type) return type;
  const record = value as Record<string, unknown>;
  for (const [key, item] of Object.entries(record)) {
    if (!/^[a-zA-Z0-9-_:. ]{1,255}$/.test(key)) continue;
    const error = all(ofType('string'), maxLength(255))(item, [...path, key]);
    if (error) return error;
  }
  const extra = Object.keys(record).filter((key) => !/^[a-zA-Z0-9-_:. ]{1,255}$/.test(key));
  if (extra.length > 0) {
    return new SchemaError(
      path,
      value,
      `${extra.map((k) => pythonRepr(k)).join(', ')} ${extra.length === 1 ? 'does' : 'do'} not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'`,
    );
  }
  return undefined;
};

function networksSchema(v: Microversion): Check {
  const item = (uuid: Check): Check =>
    object([
      ['fixed_ip', ipAddress],
      ['port', oneOf(uuidString, ofType('null'))],
      ['uuid', uuid],
      ...(atLeast(v, '2.32') ? ([['tag', tag]] as [string, Check][]) : []),
    ]);
  if (!atLeast(v, '2.37')) return arrayOf(item(ofType('string')));
  return oneOf(arrayOf(item(uuidString)), all(ofType('string'), enumOf(['none', 'auto'])));
}

function serverSchema(v: Microversion): Check {
  const anything: Check = () => undefined;
  const properties: [string, Check][] = [
    ['name', name],
    // image_id_or_empty_string: a UUID, or '' when booting from a volume.
    ['imageRef', oneOf(uuidString, all(ofType('string'), maxLength(0)))],
    ['flavorRef', all(ofType('string', 'integer'), minLength(1))],
    ['adminPass', ofType('string')],
    ['metadata', metadataSchema],
    ['networks', networksSchema(v)],
    ['OS-DCF:diskConfig', all(ofType('string'), enumOf(['AUTO', 'MANUAL']))],
    ['accessIPv4', anything],
    ['accessIPv6', anything],
    ...(atLeast(v, '2.57') ? [] : ([['personality', anything]] as [string, Check][])),
    ['availability_zone', name],
    ['block_device_mapping', anything],
    ['block_device_mapping_v2', anything],
    ['config_drive', anything],
    ['key_name', name],
    ['min_count', positiveInteger],
    ['max_count', positiveInteger],
    ['return_reservation_id', anything],
    ['security_groups', arrayOf(object([['name', name]]))],
    [
      'user_data',
      all(
        ofType('string'),
        format('base64', (s) => BASE64.test(s) && s.replace(/\s/g, '').length % 4 === 0),
        maxLength(65535),
      ),
    ],
  ];
  if (atLeast(v, '2.19')) properties.push(['description', anything]);
  if (atLeast(v, '2.52')) properties.push(['tags', arrayOf(tag, 50)]);
  if (atLeast(v, '2.63')) properties.push(['trusted_image_certificates', anything]);
  if (atLeast(v, '2.74')) properties.push(['host', anything], ['hypervisor_hostname', anything]);
  if (atLeast(v, '2.90')) properties.push(['hostname', anything]);
  return object(properties, ['name', 'flavorRef', ...(atLeast(v, '2.37') ? ['networks'] : [])]);
}

/** The message of Nova's 400 for this create body, or undefined when the schema accepts it. */
export function serverCreateSchemaError(body: unknown, v: Microversion): string | undefined {
  const hints = object([], [], false);
  const check = object(
    [
      ['server', serverSchema(v)],
      ['os:scheduler_hints', hints],
      ['OS-SCH-HNT:scheduler_hints', hints],
    ],
    ['server'],
  );
  return check(body, [])?.toString();
}

/** The message of Nova's 400 for a metadata object, or undefined when it is fine. */
export function metadataSchemaError(value: unknown, field: string): string | undefined {
  return metadataSchema(value, [field])?.toString();
}
