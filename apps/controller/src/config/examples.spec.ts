import * as fs from 'node:fs';
import * as path from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { ConfigInputs, loadControllerConfig, LoadedControllerConfig } from './config-loader';
import { ControllerConfig } from './controller-config';

const CONTROLLER_DIR = path.resolve(__dirname, '../..');
const EXAMPLES_DIR = path.join(CONTROLLER_DIR, 'examples');

function load(argv: string[]): LoadedControllerConfig {
  const inputs: ConfigInputs = {
    argv,
    env: {},
    cwd: CONTROLLER_DIR,
    homeDir: CONTROLLER_DIR,
    readTextFile: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined),
  };
  const request = loadControllerConfig(inputs);
  if (request.kind !== 'run') throw new Error('unexpected --help');
  return request.loaded;
}

/** Every dotted key of a config class, recursing into sections (objects that are class instances). */
function configKeys(instance: object, prefix = ''): string[] {
  const properties = [
    ...new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(instance.constructor, '', true, false)
        .map((entry) => entry.propertyName),
    ),
  ];
  return properties.flatMap((property) => {
    const value = (instance as Record<string, unknown>)[property];
    const key = prefix ? `${prefix}.${property}` : property;
    const isSection =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      value.constructor !== Object;
    return isSection ? configKeys(value, key) : [key];
  });
}

describe('examples and README', () => {
  it.each(fs.readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.yaml')))(
    'examples/%s is a valid configuration',
    (file) => {
      expect(() => load(['--config', path.join(EXAMPLES_DIR, file)])).not.toThrow();
    },
  );

  it('examples/seed-local.yaml spells out exactly the built-in defaults', () => {
    const fromFile = load(['--config', path.join(EXAMPLES_DIR, 'seed-local.yaml')]).config;
    const defaults = load([]).config;
    expect(JSON.parse(JSON.stringify(fromFile))).toEqual(JSON.parse(JSON.stringify(defaults)));
  });

  it('the README reference documents every key outside the proxy section (whose owner documents it in proxy.config.ts)', () => {
    const readme = fs.readFileSync(path.join(CONTROLLER_DIR, 'README.md'), 'utf8');
    const keys = configKeys(new ControllerConfig()).filter((key) => !key.startsWith('proxy.'));
    expect(keys.length).toBeGreaterThan(40);
    // A reference row starts with the key in its own cell (Prettier may pad the cell).
    const documented = (key: string): boolean =>
      new RegExp(`^\\|\\s*\`${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`\\s*\\|`, 'm').test(
        readme,
      );
    expect(keys.filter((key) => !documented(key))).toEqual([]);
  });
});
