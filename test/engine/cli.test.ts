/**
 * The cds-rules CLI as an author runs it: the bin/cds-rules.js shim in a child process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { DEMO_RULE_SET, FIRING_FIXTURE, makeWorkspace } from './support/cli-workspace.js';

const BIN = fileURLToPath(new URL('../../bin/cds-rules.js', import.meta.url));
const KETAMINE_RULE_SET = fileURLToPath(new URL('../../rules/ketamine-esketamine/rule-set.json', import.meta.url));
const MERGED_REQUEST = fileURLToPath(new URL('../../examples/requests/order-sign--trd-esketamine-baselines-missing.json', import.meta.url));
const run = promisify(execFile);

async function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cds-rules CLI', function () {
  this.timeout(60_000);

  it('without a command prints the command list and exits 2', async () => {
    const r = await cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: cds-rules <command>/);
    assert.match(r.stderr, /validate .*\n.*test .*\n.*coverage .*\n.*evaluate /);
  });

  it('validate: exit 0 and the identity for a valid rule set folder', async () => {
    const ws = makeWorkspace();
    const r = await cli(['validate', ws.rules]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /ok .*rule-set.json: cli-demo@0\.1\.0 sha256:[0-9a-f]{64}/);
    assert.match(r.stderr, /2 fixture files load/);
  });

  it('validate: every problem as "file pointer: message", exit 1', async () => {
    const bad = structuredClone(DEMO_RULE_SET) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    bad.version = 'v1';
    bad.rules[0].conditions.all[1].fact = 'aneurism';
    bad.rules[0].card.summary = 'Contraindicated: {{aneurysm.list}}';
    const ws = makeWorkspace(bad);
    const r = await cli(['validate', ws.ruleSetFile]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    assert.equal(lines[0], `${ws.ruleSetFile} /rules/0/card/summary: summary can render up to 617 characters (text 17 + {{aneurysm.list}} 600); CDS Hooks allows at most 139`);
    assert.equal(lines[1], `${ws.ruleSetFile} /rules/0/conditions/all/1/fact: unknown fact "aneurism" (did you mean "aneurysm"?): declare it under "facts"`);
    assert.match(lines[2], /^\S+rule-set\.json \/version: "v1" is not a valid Semantic version \(must match /);
    assert.match(r.stderr, /3 problems/);
  });

  it('validate: JSON syntax errors with line and column', async () => {
    const ws = makeWorkspace('{\n  "id": "cli-demo",\n  "version": "0.1.0",,\n}');
    const r = await cli(['validate', ws.ruleSetFile]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.trim(), `${ws.ruleSetFile} /: JSON syntax error at line 3, column 22: unexpected ",": expected a property name in double quotes`);
  });

  it('validate: a missing path is a usage error (exit 2)', async () => {
    const r = await cli(['validate', '/nonexistent/rules']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cds-rules validate: \/nonexistent\/rules: no such file or folder\n\nusage: cds-rules validate <path>/);
  });

  it('test: passes fixtures and prints coverage', async () => {
    const ws = makeWorkspace();
    const r = await cli(['test', ws.rules]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ Esketamine with aneurysm/);
    assert.match(r.stdout, /✓ Esketamine without aneurysm/);
    assert.match(r.stdout, /every rule \(1\) has a firing fixture and a near miss/);
    assert.match(r.stdout, /2 passed, 0 failed/);
  });

  it('test: a failing fixture shows expected vs actual cards, and missing coverage fails', async () => {
    const wrong = FIRING_FIXTURE.replace('indicator: critical', 'indicator: warning');
    const ws = makeWorkspace(DEMO_RULE_SET, { 'aaa.yaml': wrong });
    const r = await cli(['test', ws.folder]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ Esketamine with aneurysm \(.*aaa\.yaml\)\n {6}- missing card: warning contraindication-aneurysm\n {6}- unexpected card: critical contraindication-aneurysm/);
    assert.match(r.stdout, /expected cards:\n {8}warning +contraindication-aneurysm\n {6}actual cards:\n {8}critical +contraindication-aneurysm +"Esketamine is contraindicated: aneurysm I71.3 on record"/);
    assert.match(r.stdout, /rules without a fixture that makes them fire: contraindication-aneurysm/);
    assert.match(r.stdout, /rules without a near-miss fixture \(expect.notFired\): contraindication-aneurysm/);
    assert.match(r.stdout, /0 passed, 1 failed, coverage incomplete/);
  });

  it('coverage: lists the fixtures per rule', async () => {
    const ws = makeWorkspace();
    const r = await cli(['coverage', ws.rules]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /contraindication-aneurysm\n {4}fires in: {4}Esketamine with aneurysm\n {4}near misses: Esketamine without aneurysm/);
  });

  it('evaluate: prints cards and the explanation for a request file', async () => {
    const ws = makeWorkspace();
    const r = await cli(['evaluate', '--request', ws.requestFile, '--rule-set', ws.rules, '--now', '2026-11-01T10:00:00Z']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Rule set cli-demo@0\.1\.0 .*service cli-demo-order-sign, hook order-sign, now 2026-11-01T10:00:00\.000Z/);
    assert.match(r.stdout, /Data: conditions=prefetch\(1\)/);
    assert.match(r.stdout, /\[CRITICAL\] Esketamine is contraindicated: aneurysm I71\.3 on record\n {2}rule: contraindication-aneurysm/);
    assert.match(r.stdout, /Explanation:\n {2}contraindication-aneurysm \(contraindication, concern vascular\)\n {4}order \[draftOrder\] = .*from MedicationRequest\/draft-1\n {4}aneurysm \[condition\] = .*from Condition\/c1/);
  });

  it('evaluate --json: the evaluation result, with uuids derived from hookInstance', async () => {
    const ws = makeWorkspace();
    const args = ['evaluate', '--request', ws.requestFile, '--rule-set', ws.ruleSetFile, '--service', 'cli-demo-order-sign', '--now', '2026-11-01T10:00:00Z', '--json'];
    const first = await cli(args);
    const second = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, second.stdout, 'deterministic');
    const result = JSON.parse(first.stdout) as { cards: Array<{ uuid: string; indicator: string }>; fired: Array<{ ruleId: string }>; rulesConsidered: number };
    assert.deepEqual(result.cards.map((c) => c.indicator), ['critical']);
    assert.deepEqual(result.fired.map((f) => f.ruleId), ['contraindication-aneurysm']);
    assert.match(result.cards[0].uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('evaluate: a merged card lists every contributing rule with its indicator and facts', async () => {
    // The shipped rule set and sample request whose order-sign shows the "Before the session" card.
    const args = ['evaluate', '--request', MERGED_REQUEST, '--rule-set', KETAMINE_RULE_SET, '--now', '2026-03-02T10:00:00Z'];
    const json = await cli([...args, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as {
      cards: Array<{ uuid: string; summary: string; extension: Record<string, { concern?: { id: string; title: string }; contributors?: Array<{ id: string; indicator: string }> }> }>;
      fired: Array<{ ruleId: string; cardUuid: string; mergedInto?: string; facts: Array<{ name: string; kind: string }> }>;
    };
    const merged = result.cards.find((c) => c.extension[CARD_EXTENSION_KEY].contributors !== undefined);
    assert.ok(merged, 'the request gives a merged card');
    const { concern, contributors } = merged.extension[CARD_EXTENSION_KEY];
    assert.ok(contributors && contributors.length >= 3 && concern);

    const r = await cli(args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const block = r.stdout.slice(r.stdout.indexOf(merged.summary), r.stdout.indexOf('  source:', r.stdout.indexOf(merged.summary)));
    assert.match(block, new RegExp(`merged card of concern ${concern.id} \\("${concern.title}"\\): ${contributors.length} contributing rules`));
    let from = 0;
    contributors.forEach((c, i) => {
      const heading = `  rule ${i + 1}: ${c.id} (${c.indicator}) — `;
      const at = block.indexOf(heading, from);
      assert.ok(at !== -1 && at >= from, `contributor ${i + 1} ${c.id} listed in rank order:\n${block}`);
      const fired = result.fired.find((f) => f.ruleId === c.id && f.cardUuid === merged.uuid);
      assert.ok(fired && fired.mergedInto === concern.id);
      const next = i + 1 < contributors.length ? block.indexOf(`  rule ${i + 2}: `, at) : block.length;
      const own = block.slice(at, next);
      for (const fact of fired.facts) assert.ok(own.includes(`    ${fact.name} [${fact.kind}] = `), `${c.id}: fact ${fact.name} listed`);
      from = at + heading.length;
    });
    for (const c of contributors) {
      assert.ok(r.stdout.includes(`  ${c.id} (`) && new RegExp(`  ${c.id} \\(.*\\) — merged into the "${concern.id}" card`).test(r.stdout), `${c.id} marked as merged in the explanation`);
    }
    assert.match(r.stdout, /\n {2}rule: esketamine-rems-monitoring\n/, 'a one-rule card still names its rule');
  });

  it('evaluate: clear errors for bad input', async () => {
    const ws = makeWorkspace();
    let r = await cli(['evaluate', '--rule-set', ws.rules]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--request <file> is required/);
    const badRequest = join(ws.root, 'bad.json');
    writeFileSync(badRequest, JSON.stringify({ hook: 'order-sign', hookInstance: 'x', context: {} }));
    r = await cli(['evaluate', '--request', badRequest, '--rule-set', ws.rules]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json: "context\.patientId" is missing or not a string/);
    r = await cli(['evaluate', '--request', ws.requestFile, '--rule-set', ws.rules, '--service', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--service nope: no such service \(services: cli-demo-order-sign\)/);
    r = await cli(['evaluate', '--request', ws.requestFile, '--rule-set', ws.rules, '--now', 'yesterday']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--now yesterday: not an ISO date-time/);
  });
});
