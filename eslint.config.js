import tseslint from 'typescript-eslint';

export default tseslint.config({ ignores: ['node_modules/', 'web/dist/', '.opsgate/', 'dist/', 'test-results/'] }, ...tseslint.configs.recommended, {
  rules: {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    '@typescript-eslint/consistent-type-imports': 'error',
  },
});
