/**
 * The project's dependency rules, checked by dependency-cruiser (`npm run deps:check`; also run by
 * `npm test` through test/architecture/dependency-rules.test.ts). Every import points down:
 *
 *   test/  bench/                      tools and tests (bench starts test/'s FHIR server)
 *   bin/  scripts/  examples/          command shims, maintenance and reliability scripts, samples
 *   server/   cli/   console/  course/ the front doors (course/: the course view's browser code); never imported by the rest, not by each other
 *   use-cases/                         what the admin API, the CLI and the console all do
 *   store/                             the rule-set registry, decision records, feedback
 *   engine/                            rule sets: validation, compilation, evaluation, cards, diffs, fixtures
 *   fhir/                              from a request to a PatientRecord (the engine sees its type only)
 *   cds-hooks/                         the spec: wire types, JSON Schemas, hooks, prefetch tokens, service ids
 *   lib/                               generic helpers that import nothing of the project
 *
 * Type-only imports count (tsPreCompilationDeps), so "not even types" holds where the rules say so.
 * A folder may import only folders on lower rows; folders on one row do not import each other. So no two
 * top-level folders can import each other, directly or around a loop (the test also checks the folder graph
 * for cycles on its own). The named rules below are the ones the architecture issue lists, kept as their own
 * rules so a violation names the rule it breaks.
 */

/** Bottom row first. */
const LAYERS = [
  ['lib'],
  ['cds-hooks'],
  ['fhir'],
  ['engine'],
  ['store'],
  ['use-cases'],
  ['server', 'cli', 'console', 'course'],
  ['bin', 'scripts', 'examples'],
  ['test'],
  ['bench'],
];

const folder = (name) => `^${name.replace(/[-/]/g, (c) => `\\${c}`)}/`;
const anyOf = (names) => `^(${names.map((n) => n.replace(/-/g, '\\-')).join('|')})/`;

/** One rule per folder: nothing from a higher row or from a peer on the same row. */
const layerRules = LAYERS.flatMap((row, i) =>
  row.map((name) => {
    const above = LAYERS.slice(i + 1).flat();
    const peers = row.filter((n) => n !== name);
    const forbidden = [...above, ...peers];
    return {
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name}/ may import only folders on lower rows (see the table at the top of this file).`,
      from: { path: folder(name) },
      to: { path: anyOf(forbidden) },
    };
  }),
).filter((rule) => rule.to.path !== '^()/');

/** Input/output the engine must not do or reach: files, network, databases, HTTP, processes. */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|http|https|http2|net|tls|dgram|dns|child_process|cluster|worker_threads)$',
  '(^|/)node_modules/(pg|pg-[^/]+|better-sqlite3|express|fhir-kit-client|jose|pino|undici)/',
];

module.exports = {
  forbidden: [
    {
      name: 'top-never-imported',
      severity: 'error',
      comment: 'server/, cli/ and console/ are on top: nothing below them imports them.',
      from: { path: anyOf(['lib', 'cds-hooks', 'fhir', 'engine', 'store', 'use-cases', 'rules']) },
      to: { path: anyOf(['server', 'cli', 'console', 'course']) },
    },
    {
      name: 'cli-not-server',
      severity: 'error',
      comment: 'cli/ imports nothing from server/, not even types: what both need lives in use-cases/ or below.',
      from: { path: folder('cli') },
      to: { path: folder('server') },
    },
    {
      name: 'console-browser-only',
      severity: 'error',
      comment:
        'console/ is browser code (bundled by esbuild for the browser): nothing from server/, store/, fhir/, cli/ ' +
        '(or use-cases/, which reaches the store), and no Node.js built-in modules.',
      from: { path: folder('console') },
      to: { path: anyOf(['server', 'store', 'fhir', 'cli', 'use-cases']) },
    },
    {
      name: 'console-no-node-builtins',
      severity: 'error',
      comment: 'console/ runs in the browser: no Node.js built-in modules.',
      from: { path: folder('console') },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'course-browser-only',
      severity: 'error',
      comment: 'course/ is browser code (the course view, bundled by esbuild): nothing from server/, store/, fhir/, cli/ or use-cases/.',
      from: { path: folder('course') },
      to: { path: anyOf(['server', 'store', 'fhir', 'cli', 'use-cases']) },
    },
    {
      name: 'course-no-node-builtins',
      severity: 'error',
      comment: 'course/ runs in the browser: no Node.js built-in modules.',
      from: { path: folder('course') },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'course-browser-only',
      severity: 'error',
      comment: 'course/ is browser code too (the course view, bundled for the browser): the same rules as console/.',
      from: { path: folder('course') },
      to: { path: anyOf(['server', 'store', 'fhir', 'cli', 'use-cases']) },
    },
    {
      name: 'course-no-node-builtins',
      severity: 'error',
      comment: 'course/ runs in the browser: no Node.js built-in modules.',
      from: { path: folder('course') },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'engine-no-io-layers',
      severity: 'error',
      comment: 'The engine does no I/O: nothing from store/, use-cases/ or the front doors.',
      from: { path: folder('engine') },
      to: { path: anyOf(['store', 'use-cases', 'server', 'cli', 'console', 'course']) },
    },
    {
      name: 'engine-fhir-record-type-only',
      severity: 'error',
      comment: "From the FHIR layer the engine imports only the PatientRecord model, and only as a type.",
      from: { path: folder('engine') },
      to: { path: folder('fhir'), pathNot: '^fhir/patient-record\\.ts$' },
    },
    {
      name: 'engine-fhir-record-as-type',
      severity: 'error',
      comment: "The engine imports fhir/patient-record.ts as a type only (import type ...).",
      from: { path: folder('engine') },
      to: { path: '^fhir/patient-record\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'engine-no-io-modules',
      severity: 'error',
      comment: 'The engine reads no file and reaches no network, database, HTTP server or process: use-cases/ reads rule-set and fixture files and hands the engine their text.',
      from: { path: folder('engine') },
      to: { path: IO_MODULES },
    },
    {
      name: 'lib-imports-nothing-of-the-project',
      severity: 'error',
      comment: 'lib/ holds generic helpers: it imports nothing of the project outside lib/.',
      from: { path: folder('lib') },
      to: { path: '^(?!lib/|node_modules/)[^/]+/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|data|artifacts|docs|\\.git)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
