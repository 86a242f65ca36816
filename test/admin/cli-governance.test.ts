/**
 * The governance commands end to end on a real SQLite store: `import` fills only an empty registry,
 * `validate` says to give an edited working file a new version number, `describe id@version` reads a
 * published version in words, `audit checkpoint` signs the chain heads with an Ed25519 key from a PEM
 * file, `audit checkpoints` exports them, and `audit verify --public-key --checkpoints` checks them
 * and names every break.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../cli/cds-rules.js';
import { RULES_DIR } from '../../server/bundled-rule-sets.js';
import { SQLITE_FILE_NAME } from '../../store/open-store.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cds-rules governance commands: import, validate against the registry, describe, checkpoints', function () {
  this.timeout(60_000);
  let dir: string;
  let rules: string;
  let d: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cds-cli-governance-'));
    rules = join(dir, 'rules');
    cpSync(join(RULES_DIR, 'ketamine-esketamine'), join(rules, 'ketamine-esketamine'), { recursive: true, filter: (src) => !src.includes('/fixtures') });
    d = ['--data-dir', join(dir, 'data')];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('import fills an empty registry (newest active) and refuses a registry that holds anything', async () => {
    const first = await cli('import', '--rules', rules, ...d);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /imported\s+ketamine-esketamine \S+ \(active\): published and activated by system:bootstrap/);
    const again = await cli('import', '--rules', rules, ...d);
    assert.equal(again.code, 1);
    assert.match(again.err, /not imported: the registry is not empty/);
    assert.match(again.out, /^in-registry/m);
  });

  it('validate says to give an edited working file a new version number', async () => {
    const file = join(rules, 'ketamine-esketamine', 'rule-set.json');
    const edited = JSON.parse(readFileSync(file, 'utf8')) as { version: string; description: string };
    edited.description += ' Edited in place.';
    const copy = join(dir, 'edited.json');
    writeFileSync(copy, JSON.stringify(edited, null, 2));
    const r = await cli('validate', copy, ...d);
    assert.equal(r.code, 1);
    const [major, minor, patch] = edited.version.split('.').map(Number);
    assert.match(r.out, new RegExp(`/version: ketamine-esketamine ${edited.version.replace(/\./g, '\\.')} is already published with different content .*give this file a new version number \\(e\\.g\\. ${major}\\.${minor}\\.${patch + 1}\\)`));
  });

  it('describe reads a published version from the registry, every rule in words', async () => {
    const version = (JSON.parse(readFileSync(join(rules, 'ketamine-esketamine', 'rule-set.json'), 'utf8')) as { version: string }).version;
    const r = await cli('describe', `ketamine-esketamine@${version}`, ...d);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Rules \(\d+\)$/m);
    assert.match(r.out, /bp's systolic is at least 180 mmHg \(parameter bp-systolic-stop\)/);
    const missing = await cli('describe', 'ketamine-esketamine@9.9.9', ...d);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /has no version 9\.9\.9 in the registry \(it has /);
  });

  it('signs a checkpoint, exports it, and verify with the public key catches a truncation after it', async () => {
    const keys = generateKeyPairSync('ed25519');
    const privateFile = join(dir, 'audit-signing-key.pem');
    const publicFile = join(dir, 'audit-signing-key.pub.pem');
    writeFileSync(privateFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicFile, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const signed = await cli('audit', 'checkpoint', '--key', privateFile, ...d);
    assert.equal(signed.code, 0, signed.err);
    assert.match(signed.out, /^checkpoint signed at \S+ with key [0-9a-f]{16}: decisions 0 .*lifecycle events \d+/);
    const exportFile = join(dir, 'checkpoints.ndjson');
    assert.equal((await cli('audit', 'checkpoints', '--out', exportFile, ...d)).code, 0);
    assert.equal(readFileSync(exportFile, 'utf8').trim().split('\n').length, 1);
    const intact = await cli('audit', 'verify', '--public-key', publicFile, '--checkpoints', exportFile, ...d);
    assert.equal(intact.code, 0, intact.out);
    assert.match(intact.out, /^audit record intact: 0 decision\(s\), \d+ lifecycle event\(s\), \d+ publication\(s\), 0 feedback item\(s\), 1 checkpoint\(s\) verified/);

    // Someone with the database drops the guards, removes the last lifecycle event, moves the head back and deletes the checkpoint.
    const db = new Database(join(dir, 'data', SQLITE_FILE_NAME));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${name}"`);
    const last = db.prepare('SELECT seq, prev_hash FROM lifecycle_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; prev_hash: string };
    db.prepare('DELETE FROM lifecycle_events WHERE seq = ?').run(last.seq);
    db.prepare("UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain = 'lifecycle'").run(last.seq - 1, last.prev_hash);
    db.prepare("UPDATE rule_set_versions SET author = 'mallory'").run();
    db.exec('DELETE FROM audit_checkpoints');
    db.close();

    const broken = await cli('audit', 'verify', '--public-key', publicFile, '--checkpoints', exportFile, ...d);
    assert.equal(broken.code, 1);
    assert.match(broken.out, /^AUDIT RECORD BROKEN: \d+ break\(s\)/);
    assert.match(broken.out, /publication ketamine-esketamine@\S+: edited \(field author\)/);
    assert.match(broken.out, /publication ketamine-esketamine@\S+: edited \(field state\): .*lifecycle history ends in approved/);
    assert.match(broken.out, /checkpoint external #1 \(\S+\): deleted: /);
    assert.match(broken.out, /checkpoint external #1 \(\S+\): truncated \(field lifecycle\): .*no longer in the store/);
    const json = JSON.parse((await cli('audit', 'verify', '--json', '--public-key', publicFile, '--checkpoints', exportFile, ...d)).out) as { breaks: { record: string }[] };
    assert.ok(json.breaks.length >= 3);
  });
});
