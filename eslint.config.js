import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', '.opsgate/', 'dist/', 'test-results/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Rules that need the type checker. The project service gives each file the nearest
  // tsconfig.json that includes it: web/tsconfig.json for the console, test/browser/tsconfig.json
  // for the browser tests, the root one for everything else.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unnecessary-condition': 'error',
    },
  },
  { files: ['web/src/**/*.ts', 'web/src/**/*.tsx'], ...reactHooks.configs.flat.recommended },
  // The console runs in a browser. Its type program still meets Node's declarations (the server
  // modules whose types it derives from reference them), so Node's modules and globals are
  // refused here instead: a value import from the server fails too, only `import type` passes.
  {
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The console runs in a browser: no Node modules.' },
            {
              regex: '(^|/)src/(?!vocabulary\\.ts$|operations/|access/capabilities\\.ts$)',
              allowTypeImports: true,
              message: "The console takes the server's types (import type) and its plain-data modules only.",
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'global', 'require', '__dirname', '__filename', 'setImmediate'].map((name) => ({
          name,
          message: 'The console runs in a browser: no Node globals.',
        })),
      ],
    },
  },
);
