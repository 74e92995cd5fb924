import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import boundaries: a piece may not reach into another it must not know about. */
const boundaries = [
  { from: 'src/core/**', forbid: ['**/trust/**', '**/policy/**', '**/control-plane/**', '**/data-plane/**', '**/registry/**', '**/storage/**', '**/http/**', '**/cli/**', '**/main/**'] },
  { from: 'src/trust/**', forbid: ['**/policy/**', '**/control-plane/**', '**/data-plane/**', '**/registry/**', '**/storage/**', '**/cli/**', '**/main/**'] },
  { from: 'src/policy/**', forbid: ['**/trust/**', '**/control-plane/**', '**/data-plane/**', '**/registry/**', '**/storage/**', '**/cli/**', '**/main/**'] },
  // The data plane reads the control plane's entity types (model.ts) and nothing else of it.
  { from: 'src/data-plane/**', forbid: ['**/registry/**', '**/control-plane/!(model.ts)', '**/control-plane/*/**', '**/cli/**', '**/main/**'] },
  { from: 'src/control-plane/**', forbid: ['**/registry/**', '**/data-plane/**', '**/cli/**', '**/main/**'] },
  { from: 'src/registry/**', forbid: ['**/control-plane/**', '**/data-plane/**', '**/cli/**', '**/main/**'] },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.state/', 'coverage/', 'policies/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The operator dashboard's scripts run in the browser (type-checked by src/registry/dashboard/tsconfig.json).
    files: ['src/registry/dashboard/**/*.js'],
    languageOptions: { globals: Object.fromEntries(['document', 'location', 'history', 'fetch', 'Blob', 'Node', 'URLSearchParams'].map((name) => [name, 'readonly'])) },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/clock.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
        message: 'Domain code takes a Clock; never call Date.now() (CONVENTIONS item 8).',
      }, {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'Domain code takes a Clock; never call new Date() without arguments.',
      }],
    },
  },
  ...boundaries.map(({ from, forbid }) => ({
    files: [from],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbid, message: 'Import boundary (CONVENTIONS item 11).' }] }] },
  })),
);
