/**
 * The CLI counterparts, run through the real `cds-rules` dispatcher against a real SQLite store folder
 * (--data-dir) that the real CDS service also writes decisions to.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/cds-rules.js';
import { openStore } from '../../store/open-store.js';
import { KETAMINE_DIR, TEST_SNAPSHOT_KEY } from './support/admin-harness.js';
import { callWithFixture, fixturesWithCards, serviceApp } from './support/service-world.js';

const CURRENT = join(KETAMINE_DIR, 'versions', '1.1.0.json');
const PREVIOUS = join(KETAMINE_DIR, 'versions', '1.0.0.json');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cds-rules registry and audit commands', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  const savedKey = process.env.SNAPSHOT_KEY;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cds-cli-test-'));
    dataDir = join(dir, 'data');
  });
  after(() => {
    if (savedKey === undefined) delete process.env.SNAPSHOT_KEY;
    else process.env.SNAPSHOT_KEY = savedKey;
    rmSync(dir, { recursive: true, force: true });
  });

  it('honours STORE_TIMEOUT_MS like the service: a bad value is refused, naming the variable', async () => {
    const saved = process.env.STORE_TIMEOUT_MS;
    process.env.STORE_TIMEOUT_MS = '5 seconds';
    try {
      const r = await cli('versions', '--data-dir', dataDir);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /STORE_TIMEOUT_MS must be a whole number of milliseconds/);
    } finally {
      if (saved === undefined) delete process.env.STORE_TIMEOUT_MS;
      else process.env.STORE_TIMEOUT_MS = saved;
    }
  });

  it('publishes, refuses self-approval, approves, activates and lists versions with history', async () => {
    const d = ['--data-dir', dataDir];
    let r = await cli('publish', PREVIOUS, '--as', 'alice', ...d);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^published ketamine-esketamine 1\.0\.0 as a draft \(author alice, sha256 [0-9a-f]{64}\)$/);
    r = await cli('publish', CURRENT, '--as', 'alice', ...d);
    assert.equal(r.code, 0, r.err);
    r = await cli('publish', CURRENT, '--as', 'alice', ...d);
    assert.match(r.out, /already published with this exact content/);

    r = await cli('submit', 'ketamine-esketamine', '1.1.0', '--as', 'alice', '--reason', 'adds engagement and consent rules', ...d);
    assert.equal(r.code, 0, r.err);
    r = await cli('approve', 'ketamine-esketamine', '1.1.0', '--as', 'alice', '--reason', 'my own work is fine', ...d);
    assert.equal(r.code, 1);
    assert.match(r.err, /self-approval refused: alice published ketamine-esketamine 1\.1\.0/);
    r = await cli('approve', 'ketamine-esketamine', '1.1.0', '--as', 'bob', '--reason', 'reviewed the diff and fixtures', ...d);
    assert.equal(r.code, 0, r.err);
    r = await cli('activate', 'ketamine-esketamine', '1.1.0', '--as', 'bob', '--reason', 'go live', ...d);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /activated: approved -> active by bob/);
    r = await cli('retire', 'ketamine-esketamine', '1.0.0', '--as', 'bob', '--reason', 'never used', ...d);
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot retire ketamine-esketamine 1\.0\.0: it is draft; retire applies to a version that is active/);

    r = await cli('versions', 'ketamine-esketamine', '1.1.0', ...d);
    assert.equal(r.code, 0);
    assert.match(r.out, /ketamine-esketamine\s+1\.1\.0\s+active\s+alice/);
    assert.match(r.out, /approved\s+active\s+bob\s+go live/);
  });

  it('prints every problem of an invalid file as "file pointer: message" and stores nothing', async () => {
    const broken = JSON.parse(readFileSync(CURRENT, 'utf8'));
    broken.version = '2.0.0';
    broken.rules[0].card.indicator = 'urgent';
    delete broken.title;
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const r = await cli('publish', file, '--as', 'alice', '--data-dir', dataDir);
    assert.equal(r.code, 1);
    assert.match(r.err, /the rule set is invalid: \d+ problems/);
    assert.ok(r.err.includes(`${file} /rules/0/card/indicator:`), r.err);
    const listed = await cli('versions', 'ketamine-esketamine', '2.0.0', '--data-dir', dataDir);
    assert.equal(listed.code, 1);
  });

  it('diffs registry versions (json) and files (text with fixture impact)', async () => {
    const json = await cli('diff', 'ketamine-esketamine', '1.0.0', '1.1.0', '--format', 'json', '--data-dir', dataDir);
    assert.equal(json.code, 1, 'differences exit 1, like diff(1)');
    const parsed = JSON.parse(json.out);
    assert.ok(parsed.diff.rules.added.length > 0);
    const text = await cli('diff', PREVIOUS, CURRENT, '--impact');
    assert.equal(text.code, 1, text.err);
    assert.match(text.out, /^Rule set ketamine-esketamine: 1\.0\.0 -> 1\.1\.0$/m);
    assert.match(text.out, /Impact on fixtures\n {2}~ \d+ fixture\(s\) run with both versions/);
    const same = await cli('diff', CURRENT, CURRENT);
    assert.equal(same.code, 0);
    assert.match(same.out, /No differences\./);
  });

  it('verifies the chain, exports with progress, and replays (and says why it cannot without a key)', async () => {
    const store = await openStore({ dataDir, clock: () => new Date() });
    const clock = { current: new Date(), now: () => new Date(clock.current.getTime()) };
    const { app, catalog } = await serviceApp(store, join(dir, 'service'), clock, TEST_SNAPSHOT_KEY);
    try {
      for (const fixture of fixturesWithCards().slice(0, 3)) await callWithFixture({ clock, service: app, catalog }, fixture);
    } finally {
      catalog.stop();
      await store.close();
    }
    const d = ['--data-dir', dataDir];
    const verify = await cli('audit', 'verify', ...d);
    assert.equal(verify.code, 0, verify.err);
    assert.match(verify.out, /^audit record intact: 3 decision\(s\), \d+ lifecycle event\(s\), 2 publication\(s\), 0 feedback item\(s\), 0 checkpoint\(s\) verified in [\d.]+ s$/);

    const out = join(dir, 'decisions.csv');
    const exported = await cli('audit', 'export', '--format', 'csv', '--out', out, '--version', '1.1.0', ...d);
    assert.equal(exported.code, 0, exported.err);
    assert.match(exported.err, /exported 3 decision\(s\) as csv to .*decisions\.csv/);
    assert.ok(!existsSync(`${out}.partial`));
    const lines = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    assert.ok(lines[0].startsWith('seq,at,serviceId'));
    assert.ok(lines.length >= 4);

    delete process.env.SNAPSHOT_KEY;
    const noKey = await cli('replay', '1', ...d);
    assert.equal(noKey.code, 1);
    assert.match(noKey.err, /cannot replay: replay needs SNAPSHOT_KEY/);

    process.env.SNAPSHOT_KEY = TEST_SNAPSHOT_KEY.toString('base64');
    const replay = await cli('replay', '1', '--version', '1.0.0', ...d);
    assert.equal(replay.code, 0, replay.err);
    assert.match(replay.out, /^reproduced: ketamine-esketamine 1\.1\.0 gives the same \d+ cards?/m);
    assert.match(replay.out, /^shadow: 1\.0\.0 would/m);
    const json = await cli('replay', '2', '--json', ...d);
    assert.equal(JSON.parse(json.out).outcome, 'reproduced');
  });

  it('answers bad arguments with the usage and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['submit', '--data-dir', dataDir], /give the <rule-set-id> and the <version>/],
      [['approve', 'ketamine-esketamine', '1.1.0', '--as', 'bob', '--data-dir', dataDir], /say why: --reason/],
      [['publish', CURRENT, '--data-dir', dataDir], /say who you are: --as/],
      [['publish', CURRENT, '--as', 'system:bootstrap', '--data-dir', dataDir], /--as "system:bootstrap": use 1-100 letters/],
      [['audit', 'export', '--format', 'xml', '--data-dir', dataDir], /--format xml: use csv or ndjson/],
      [['audit', 'export', '--format', 'csv', '--from', 'yesterday', '--data-dir', dataDir], /--from: "yesterday" is not an ISO 8601 date/],
      [['audit', 'check'], /unknown audit command "check"/],
      [['replay', 'abc', '--data-dir', dataDir], /give the decision number <seq>/],
      [['diff', CURRENT], /give <rule-set-id> <from-version> <to-version>, or <from-file> <to-file>/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
      assert.match(r.err, /usage: cds-rules/);
    }
  });
});
