/**
 * The dependency rules (.dependency-cruiser.cjs) hold for the whole project, and each rule really
 * catches what it forbids: a small project written to a temporary folder breaks every rule once, and
 * dependency-cruiser must name each rule. The top-level folder graph is also checked for cycles here,
 * independently of how the rules are written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const CLI = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Every top-level folder with code (rules/ is data; docs/ has none). */
const CODE_FOLDERS = ['lib', 'cds-hooks', 'fhir', 'engine', 'store', 'use-cases', 'server', 'cli', 'console', 'course', 'bin', 'scripts', 'examples', 'test', 'bench'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

interface CruiseOutput {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; coreModule: boolean; couldNotResolve: boolean }> }>;
  summary: { violations: Violation[]; totalCruised: number };
}

function cruise(cwd: string, folders: string[]): CruiseOutput {
  const run = spawnSync(process.execPath, [CLI, '--config', CONFIG, '--output-type', 'json', ...folders], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.ok(run.stdout.startsWith('{'), `dependency-cruiser did not answer with JSON: ${run.stderr || run.stdout.slice(0, 500)}`);
  return JSON.parse(run.stdout) as CruiseOutput;
}

function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `  ${v.rule.name}: ${v.from} -> ${v.to}`).join('\n');
}

/** Top-level folder -> the top-level folders it imports (project files only). */
function folderGraph(output: CruiseOutput): Map<string, Set<string>> {
  const top = (path: string): string => path.split('/')[0];
  const graph = new Map<string, Set<string>>();
  for (const module of output.modules) {
    if (module.source.startsWith('node_modules/')) continue;
    const from = top(module.source);
    const targets = graph.get(from) ?? new Set<string>();
    graph.set(from, targets);
    for (const dependency of module.dependencies) {
      if (dependency.coreModule || dependency.couldNotResolve || dependency.resolved.startsWith('node_modules/')) continue;
      const to = top(dependency.resolved);
      if (to !== from) targets.add(to);
    }
  }
  return graph;
}

/** A cycle through top-level folders (["a", "b", "a"]), or undefined. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('dependency rules (.dependency-cruiser.cjs)', function () {
  this.timeout(120_000);
  let project: CruiseOutput;

  before(() => {
    project = cruise(ROOT, CODE_FOLDERS);
  });

  it('every top-level folder with code has its place in the layers (a rule named layer-<folder>)', () => {
    const config = createRequire(import.meta.url)(CONFIG) as { forbidden: Array<{ name: string }> };
    const layered = new Set(config.forbidden.map((rule) => rule.name));
    // bench/ is the top row: nothing is above it, so it has no layer rule of its own.
    assert.deepEqual(CODE_FOLDERS.filter((folder) => !layered.has(`layer-${folder}`) && folder !== 'bench'), []);
    assert.ok(CODE_FOLDERS.includes('engine') && CODE_FOLDERS.includes('test'), CODE_FOLDERS.join(', '));
  });

  it('the whole project breaks none of them', () => {
    assert.ok(project.summary.totalCruised > 300, `only ${project.summary.totalCruised} modules cruised`);
    assert.deepEqual(project.summary.violations, [], `dependency rules broken:\n${describeViolations(project.summary.violations)}`);
  });

  it('no two top-level folders import each other, directly or around a loop (test/, scripts/, bench/ included)', () => {
    const graph = folderGraph(project);
    for (const folder of CODE_FOLDERS) assert.ok(graph.has(folder), `${folder}/ was not cruised`);
    assert.equal(findCycle(graph)?.join(' -> '), undefined);
  });

  it('each rule catches what it forbids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dependency-rules-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
        'lib/helper.ts': "import { serve } from '../server/app.js';\nexport const helper = serve;\n",
        'cds-hooks/wire.ts': 'export interface Card { summary: string }\n',
        'fhir/patient-record.ts': 'export interface PatientRecord { id: string }\nexport const EMPTY = { id: "" };\n',
        'fhir/fetch.ts': 'export const fetchIt = 1;\n',
        'store/store.ts': 'export const store = 1;\n',
        'use-cases/publish.ts': "import { store } from '../store/store.js';\nexport const publish = store;\n",
        // engine: a value import of the record model, another FHIR module, the store, a network module,
        // the file system and its promise API
        'engine/evaluate.ts':
          "import { EMPTY } from '../fhir/patient-record.js';\nimport { fetchIt } from '../fhir/fetch.js';\n" +
          "import { store } from '../store/store.js';\nimport { request } from 'node:http';\n" +
          "import { readFileSync } from 'node:fs';\nimport { readFile } from 'node:fs/promises';\n" +
          'export const evaluate = [EMPTY, fetchIt, store, request, readFileSync, readFile];\n',
        // engine: the file system without the node: prefix
        'engine/read-rules.ts': "import { existsSync } from 'fs';\nexport const readRules = existsSync;\n",
        // cli: a type from server/
        'cli/main.ts': "import type { App } from '../server/app.js';\nexport type Cli = App;\n",
        // console: fhir/, use-cases/ and a Node built-in
        'console/page.ts':
          "import { fetchIt } from '../fhir/fetch.js';\nimport { publish } from '../use-cases/publish.js';\nimport { readFileSync } from 'node:fs';\n" +
          'export const page = [fetchIt, publish, readFileSync];\n',
        // course/: the store and a Node built-in
        'course/app.ts': "import { store } from '../store/store.js';\nimport { join } from 'node:path';\nexport const app = [store, join];\n",
        'server/app.ts': "import { page } from '../console/page.js';\nexport type App = string;\nexport const serve = page;\n",
        // store below engine, but imports the use cases: a cycle store -> use-cases -> store
        'store/uses.ts': "import { publish } from '../use-cases/publish.js';\nexport const uses = publish;\n",
        // test/ and scripts/ importing each other
        'test/support.ts': "import { script } from '../scripts/run.js';\nexport const support = script;\n",
        'scripts/run.ts': "import { support } from '../test/support.js';\nexport const script = support;\n",
      };
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const output = cruise(dir, ['lib', 'cds-hooks', 'fhir', 'engine', 'store', 'use-cases', 'cli', 'console', 'course', 'server', 'test', 'scripts']);
      const broken = (rule: string): string[] =>
        output.summary.violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to}`);

      assert.deepEqual(broken('top-never-imported'), ['lib/helper.ts -> server/app.ts']);
      assert.deepEqual(broken('cli-not-server'), ['cli/main.ts -> server/app.ts']);
      assert.deepEqual(broken('console-browser-only').sort(), ['console/page.ts -> fhir/fetch.ts', 'console/page.ts -> use-cases/publish.ts']);
      assert.deepEqual(broken('console-no-node-builtins'), ['console/page.ts -> fs']);
      assert.deepEqual(broken('course-browser-only'), ['course/app.ts -> store/store.ts']);
      assert.deepEqual(broken('course-no-node-builtins'), ['course/app.ts -> path']);
      assert.deepEqual(broken('engine-no-io-layers'), ['engine/evaluate.ts -> store/store.ts']);
      assert.deepEqual(broken('engine-fhir-record-type-only'), ['engine/evaluate.ts -> fhir/fetch.ts']);
      assert.deepEqual(broken('engine-fhir-record-as-type'), ['engine/evaluate.ts -> fhir/patient-record.ts']);
      assert.deepEqual(broken('engine-no-io-modules').sort(), [
        'engine/evaluate.ts -> fs',
        'engine/evaluate.ts -> fs/promises',
        'engine/evaluate.ts -> http',
        'engine/read-rules.ts -> fs',
      ]);
      assert.deepEqual(broken('lib-imports-nothing-of-the-project'), ['lib/helper.ts -> server/app.ts']);
      assert.deepEqual(broken('layer-store'), ['store/uses.ts -> use-cases/publish.ts']);
      assert.deepEqual(broken('layer-server'), ['server/app.ts -> console/page.ts']);
      assert.deepEqual(broken('layer-scripts'), ['scripts/run.ts -> test/support.ts']);
      assert.ok(findCycle(folderGraph(output)), 'the cycle finder sees the planted cycles (store <-> use-cases, test <-> scripts)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
