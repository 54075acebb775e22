import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist.next/**', 'dist.old/**', '.bench-build/**', 'node_modules/**', 'data/**', 'coverage/**', '**/node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='setTimeout'][arguments.length>0] > ArrowFunctionExpression[body.type='Identifier'][body.name='resolve']", message: 'Tests and code wait for events, not sleeps: use the injected clock.' },
      ],
    },
  },
  {
    files: ['src/sandbox/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
