import js from '@eslint/js';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import noOnlyTests from 'eslint-plugin-no-only-tests';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'storybook-static/', 'custom-elements.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.mocha } },
    plugins: { 'no-only-tests': noOnlyTests },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-only-tests/no-only-tests': 'error',
    },
  },
  {
    files: ['src/components/**/*.ts', 'stories/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/components/**/*.ts', 'stories/**/*.ts'],
    ...wc.configs['flat/recommended'],
  },
  {
    files: ['src/components/**/*.ts', 'stories/**/*.ts'],
    plugins: { 'lit-a11y': litA11y },
    rules: litA11y.configs.recommended.rules,
  },
  {
    // Plain-JS files type-check through JSDoc; `any` there is a JSDoc escape hatch for parsed JSON.
    files: ['**/*.js', '**/*.mjs'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
