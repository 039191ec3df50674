// Lint for what the type checker does not see: unused code, unsafe patterns, leftover debugging.
// `npm run lint` runs it, then the workflow checks (actionlint, the workflow parser, our policy).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', '.bench/**', 'node_modules/**', 'bench/fixtures/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a value left unused on purpose (a destructured field dropped, a
      // callback parameter the signature requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
);
