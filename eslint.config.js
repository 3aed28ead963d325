// ESLint flat config: typescript-eslint's recommended rules everywhere, plus the type-checked
// rules that find real bugs in this code base: promises dropped or handed to a callback that
// expects void, awaits of non-promises, throws of non-errors. The rest of recommended-type-checked
// costs more than it finds here: no-unsafe-* flags every read of parsed JSON and ONNX/tfjs interop,
// no-base-to-string / restrict-template-expressions flagged only defensive String(unknown), and
// no-unnecessary-type-assertion's autofix breaks the type check where an assertion narrows a literal.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'web/dist/', 'dist/', 'coverage/', 'data/', '.opensoul/', 'tmp/', 'test-output/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against its nearest tsconfig (web/ has its own).
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.mjs', 'web/vite.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      // `_name` marks a parameter or destructured field that is deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    // Tests read JSON responses and poke at internals; `any` there is the honest type.
    files: ['test/**', '**/*.test.ts', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Kysely's documented migration idiom: a migration sees the schema as it was, so `Kysely<any>`.
    files: ['src/store/migrations.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
