import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

/**
 * Secrets are compared in constant time: `sameTokenHash` (src/domain/tokens.ts) or `timingSafeEqual`,
 * never `===`, `!==`, `Buffer.equals` or `Buffer.compare`, which stop at the first differing byte.
 * Names that hold a secret or its digest: `token`, `…Token`, `…token_hash`, `…Hash` (camel case), `secret`,
 * `…Secret`, `password`, `tag`/`…Tag` (a key's authenticity tag). `tokenId`, `request_hash` and the
 * audit chain's `hash` are not secrets. Comparing with a literal (`token === null`) is allowed.
 * test/unit/secret-compare.test.ts proves the rule fires.
 */
const SECRET_NAME =
  '/^(token|secret|password|tag)$|(Token|Secret|Password|Tag|Hash|token_?hash|_token|_secret)$/'
const EQUALITY =
  "BinaryExpression[operator=/^[!=]==?$/]:not([left.type='Literal']):not([right.type='Literal']):not([left.type='Identifier'][left.name='undefined']):not([right.type='Identifier'][right.name='undefined'])"
const SECRET_COMPARE_MESSAGE =
  'Compare secrets (tokens, their hashes, secrets, key tags) in constant time: sameTokenHash() or timingSafeEqual(), never ===/!==/equals/compare.'
export const secretCompareRule = [
  'error',
  { selector: `${EQUALITY} > Identifier[name=${SECRET_NAME}]`, message: SECRET_COMPARE_MESSAGE },
  {
    selector: `${EQUALITY} > MemberExpression > Identifier.property[name=${SECRET_NAME}]`,
    message: SECRET_COMPARE_MESSAGE,
  },
  {
    selector: `${EQUALITY} > CallExpression[callee.name=/^(hashToken|tagSymbols|createHmac|createHash)$/]`,
    message: SECRET_COMPARE_MESSAGE,
  },
  {
    selector: `${EQUALITY} > CallExpression[callee.property.name='digest']`,
    message: SECRET_COMPARE_MESSAGE,
  },
  {
    selector:
      "CallExpression[callee.property.name='equals'], CallExpression[callee.object.name='Buffer'][callee.property.name='compare']",
    message: SECRET_COMPARE_MESSAGE,
  },
]

/**
 * Tests start processes only through test/helpers/spawn.ts, which hands every child's output (a
 * CLI's stderr, a server's log) to the run's secret scan (test/helpers/secret-scan.ts): a CLI or a
 * server started any other way would escape it. test/unit/spawn-guard.test.ts proves the rule fires.
 */
const SPAWN_MESSAGE =
  'Start processes through test/helpers/spawn.ts (spawnCli, spawnProcess, runProcess, …): its output goes to the secret scan.'
const PROCESS_MODULES = ['child_process', 'node:child_process', 'execa', 'cross-spawn', 'node-pty']
export const spawnRule = {
  imports: [
    'error',
    { paths: PROCESS_MODULES.map((name) => ({ name, message: SPAWN_MESSAGE, allowTypeImports: true })) },
  ],
  syntax: [
    'error',
    {
      selector: `ImportExpression[source.value=/^(${PROCESS_MODULES.join('|')})$/]`,
      message: SPAWN_MESSAGE,
    },
    {
      selector: `CallExpression[callee.name='require'][arguments.0.value=/^(${PROCESS_MODULES.join('|')})$/]`,
      message: SPAWN_MESSAGE,
    },
  ],
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'oclif.manifest.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-syntax': secretCompareRule },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['test/**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: ['test/helpers/spawn.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': spawnRule.imports,
      'no-restricted-syntax': spawnRule.syntax,
    },
  },
)
