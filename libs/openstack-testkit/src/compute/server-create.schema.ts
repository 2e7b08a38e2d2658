// Nova's JSON schema of POST /servers, as data, written from nova
// api/openstack/compute/schemas/servers.py (base_create and its 2.19/2.32/2.37/2.42/2.52/2.57/
// 2.63/2.74/2.90 variants) and api/validation/parameter_types.py. Key order matters: Nova
// reports the first error in that order (a bad `imageRef` is named before a missing `networks`,
// as the acceptance suite saw on the devcloud); nova-schema-validator.ts keeps it. Properties
// the fake does not act on are accepted as anything (`{}`), as before.
import { atLeast, formatMicroversion, type Microversion } from './microversion';
import { NovaSchema, type JsonSchema } from './nova-schema-validator';

const anything: JsonSchema = {};

// parameter_types.py
const name: JsonSchema = { type: 'string', minLength: 1, maxLength: 255, format: 'name' };
const uuidString: JsonSchema = { type: 'string', format: 'uuid' };
const imageIdOrEmptyString: JsonSchema = {
  oneOf: [uuidString, { type: 'string', maxLength: 0 }],
};
const flavorRef: JsonSchema = { type: ['string', 'integer'], minLength: 1 };
const ipAddress: JsonSchema = {
  type: 'string',
  oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }],
};
const positiveInteger: JsonSchema = {
  type: ['integer', 'string'],
  pattern: '^[0-9]*$',
  novaMinimum: 1,
  minLength: 1,
};
const tag: JsonSchema = { type: 'string', pattern: '^[^,/]*$', minLength: 1, maxLength: 60 };
const METADATA_KEY = '^[a-zA-Z0-9-_:. ]{1,255}$';
const metadata: JsonSchema = {
  type: 'object',
  patternProperties: { [METADATA_KEY]: { type: 'string', maxLength: 255 } },
  additionalProperties: false,
};
const diskConfig: JsonSchema = { type: 'string', enum: ['AUTO', 'MANUAL'] };

function networks(v: Microversion): JsonSchema {
  const item = (uuid: JsonSchema): JsonSchema => ({
    type: 'object',
    properties: {
      fixed_ip: ipAddress,
      port: { oneOf: [uuidString, { type: 'null' }] },
      uuid,
      ...(atLeast(v, '2.32') ? { tag } : {}),
    },
    additionalProperties: false,
  });
  // 2.37: a list of UUID networks, or 'none' / 'auto'.
  if (!atLeast(v, '2.37')) return { type: 'array', items: item({ type: 'string' }) };
  return {
    oneOf: [
      { type: 'array', items: item(uuidString) },
      { type: 'string', enum: ['none', 'auto'] },
    ],
  };
}

function server(v: Microversion): JsonSchema {
  const properties: JsonSchema = {
    name,
    imageRef: imageIdOrEmptyString,
    flavorRef,
    adminPass: { type: 'string' },
    metadata,
    networks: networks(v),
    'OS-DCF:diskConfig': diskConfig,
    accessIPv4: anything,
    accessIPv6: anything,
    ...(atLeast(v, '2.57') ? {} : { personality: anything }),
    availability_zone: name,
    block_device_mapping: anything,
    block_device_mapping_v2: anything,
    config_drive: anything,
    key_name: name,
    min_count: positiveInteger,
    max_count: positiveInteger,
    return_reservation_id: anything,
    security_groups: {
      type: 'array',
      items: { type: 'object', properties: { name }, additionalProperties: false },
    },
    user_data: { type: 'string', format: 'base64', maxLength: 65535 },
    ...(atLeast(v, '2.19') ? { description: anything } : {}),
    ...(atLeast(v, '2.52') ? { tags: { type: 'array', items: tag, maxItems: 50 } } : {}),
    ...(atLeast(v, '2.63') ? { trusted_image_certificates: anything } : {}),
    ...(atLeast(v, '2.74') ? { host: anything, hypervisor_hostname: anything } : {}),
    ...(atLeast(v, '2.90') ? { hostname: anything } : {}),
  };
  return {
    type: 'object',
    properties,
    required: ['name', 'flavorRef', ...(atLeast(v, '2.37') ? ['networks'] : [])],
    additionalProperties: false,
  };
}

export function serverCreateJsonSchema(v: Microversion): JsonSchema {
  const hints: JsonSchema = { type: 'object' };
  return {
    type: 'object',
    properties: {
      server: server(v),
      'os:scheduler_hints': hints,
      'OS-SCH-HNT:scheduler_hints': hints,
    },
    required: ['server'],
    additionalProperties: false,
  };
}

const compiled = new Map<string, NovaSchema>();

/** The message of Nova's 400 for this create body, or undefined when the schema accepts it. */
export function serverCreateSchemaError(body: unknown, v: Microversion): string | undefined {
  const key = formatMicroversion(v);
  let schema = compiled.get(key);
  if (!schema) {
    schema = new NovaSchema(serverCreateJsonSchema(v));
    compiled.set(key, schema);
  }
  return schema.check(body);
}

const metadataSchemas = new Map<string, NovaSchema>();

/** The message of Nova's 400 for a metadata object, or undefined when it is fine. */
export function metadataSchemaError(value: unknown, field: string): string | undefined {
  let schema = metadataSchemas.get(field);
  if (!schema) {
    schema = new NovaSchema(metadata, [field]);
    metadataSchemas.set(field, schema);
  }
  return schema.check(value);
}
