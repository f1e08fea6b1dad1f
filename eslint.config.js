import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const below = (target, from, except) => ({
  target: `./src/${target}`,
  from: from.map((f) => `./src/${f}`),
  except,
  message: `src/${target} is below these features; see "Feature modules" in docs/contributing.md.`,
});
/** What each directory of src/ must not import (entity files are the data model the database layer lists). */
const FEATURE_ZONES = [
  below('common', ['session', 'auth', 'consent', 'admin', 'banner', 'health', 'routes', 'core', 'demo']),
  below('session', ['auth', 'consent', 'admin', 'banner', 'health', 'routes', 'core', 'demo', 'database']),
  below('database', ['{auth,consent,admin}/**'], ['/**/*.entity.ts']),
  below('database', ['session', 'banner', 'health', 'routes', 'core', 'demo']),
  below('auth', ['consent', 'admin', 'banner', 'health', 'core', 'demo']),
  below('consent', ['admin', 'banner', 'health', 'core', 'demo']),
  below('admin', ['banner', 'health', 'core', 'demo']),
  below('health', ['auth', 'consent', 'admin', 'banner', 'core', 'demo']),
  below('banner', ['auth', 'consent', 'admin', 'health', 'core', 'demo']),
  below('routes', ['core', 'demo']),
  below('core', ['auth', 'consent', 'admin', 'banner', 'health', 'demo']),
];

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'test/consumer/node_modules/',
      'docs/.vitepress/dist/',
      'docs/.vitepress/cache/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      // The library must stay free of import cycles (ESM + decorators turn them into TDZ errors).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
      // Prettier lays out chained calls (`http()\n[method](url)`); it never produces the ambiguity this rule guards.
      'no-unexpected-multiline': 'off',
    },
  },
  {
    // Feature boundaries (docs/contributing.md): core → auth (with the session layer) → consent → admin; health
    // and the banner beside them. A module imports only what is below it; the composition (src/*.ts,
    // src/core, src/routes) sees all. Specs may reach across.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: FEATURE_ZONES }] },
  },
  {
    // Browser scripts served as they are (no build step): the banner and the demo's pages.
    files: ['src/banner/*.js', 'src/demo/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        CustomEvent: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
        URLSearchParams: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    files: ['scripts/*.js', 'scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['test/**/*.ts', 'src/demo/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
