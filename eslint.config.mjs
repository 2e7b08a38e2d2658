// Flat ESLint config for the whole workspace. The module-boundary rule is what keeps
// apps -> libs one-way and keeps Nest (and everything else) out of the places it must not be.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const boundaries = (depConstraints) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    allow: [],
    depConstraints,
  },
];

// Production code: apps use libs; libs use libs; nothing uses apps; the service stays
// dependency-free so it runs on the Node.js of a stock Ubuntu image.
const productionConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  {
    sourceTag: 'type:lib',
    onlyDependOnLibsWithTags: ['type:lib'],
    bannedExternalImports: ['@nestjs/*', 'rxjs', 'class-validator', 'class-transformer'],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:lib'],
    bannedExternalImports: ['@nestjs/*'],
  },
  { sourceTag: 'scope:service', onlyDependOnLibsWithTags: [], bannedExternalImports: ['*'] },
];

// Tests may also use the OpenStack test double.
const testConstraints = productionConstraints.map((c) =>
  c.sourceTag === 'type:app' || c.sourceTag === 'type:lib'
    ? { ...c, onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] }
    : c,
);

export default [
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '.nx', 'tmp'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(productionConstraints),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/e2e/**/*.ts', '**/acceptance/**/*.ts', '**/test-support/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(testConstraints) },
  },
  {
    files: ['**/*.cjs', '**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
