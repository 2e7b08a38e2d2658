import { NovaSchema } from './nova-schema-validator';

describe('NovaSchema (ajv, reporting the first error the way jsonschema in Nova meets it)', () => {
  const schema = new NovaSchema({
    type: 'object',
    properties: {
      server: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 5, format: 'name' },
          count: { type: ['integer', 'string'], pattern: '^[0-9]*$', novaMinimum: 1 },
          nets: {
            type: 'array',
            items: { type: 'object', properties: { ip: { type: 'string' } } },
          },
        },
        required: ['name', 'nets'],
        additionalProperties: false,
      },
    },
    required: ['server'],
    additionalProperties: false,
  });

  it('accepts a valid body', () => {
    expect(schema.check({ server: { name: 'vm', nets: [] } })).toBeUndefined();
  });

  it('walks properties in schema order, then required, then additionalProperties', () => {
    // ajv alone would name the missing `nets` (required) or the extra key first.
    expect(schema.check({ server: { name: '', extra: 1 } })).toBe(
      "Invalid input for field/attribute name. Value: . '' is too short",
    );
    expect(schema.check({ server: { name: 'vm', extra: 1 } })).toBe(
      "Invalid input for field/attribute server. Value: {'name': 'vm', 'extra': 1}. 'nets' is a required property",
    );
    expect(schema.check({ server: { name: 'vm', nets: [], x: 1, y: 2 } })).toBe(
      "Invalid input for field/attribute server. Value: {'name': 'vm', 'nets': [], 'x': 1, 'y': 2}. Additional properties are not allowed ('x', 'y' were unexpected)",
    );
    expect(schema.check({})).toBe("'server' is a required property");
  });

  it('takes array items in order, and compares numeric strings with the minimum as Nova does', () => {
    expect(
      schema.check({ server: { name: 'vm', nets: [{ ip: 'a' }, { ip: 1 }, { ip: 2 }] } }),
    ).toBe("Invalid input for field/attribute ip. Value: 1. 1 is not of type 'string'");
    expect(schema.check({ server: { name: 'vm', count: '0', nets: [] } })).toBe(
      'Invalid input for field/attribute count. Value: 0. 0 is less than the minimum of 1',
    );
  });

  it("words a bad name with Nova's InvalidName text", () => {
    expect(schema.check({ server: { name: ' vm', nets: [] } })).toBe(
      "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
    );
  });
});
