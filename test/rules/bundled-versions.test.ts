/**
 * The shipped ketamine-esketamine versions in a real (SQLite) store, imported as server/main.ts does at
 * start: a fresh store serves the working version (1.3.0); a store that already served 1.1.0 or 1.2.0
 * keeps serving it, and a newer version reaches it only through the review lifecycle (never activated by
 * the import).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { fixtureContext } from '../../engine/fixtures/compact-fhir.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { loadBundledRuleSetFiles, RULES_DIR } from '../../server/bundled-rule-sets.js';
import { importBundledRuleSets } from '../../store/import-bundled.js';
import { openStore } from '../../store/open-store.js';
import { RegistryServiceCatalog } from '../../use-cases/registry-catalog.js';
import type { Store } from '../../store/store.js';

const KETAMINE = 'ketamine-esketamine';
const bundled = () => loadBundledRuleSetFiles(RULES_DIR).filter(({ compiled }) => compiled.ruleSet.id === KETAMINE);

describe('bundled ketamine-esketamine versions in a store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cds-bundled-'));
    store = await openStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ships 1.0.0, 1.1.0, 1.2.0 (frozen) and the working 1.3.0', () => {
    assert.deepEqual(bundled().map(({ compiled }) => compiled.ruleSet.version).sort(), ['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
  });

  it('a fresh store activates and serves 1.3.0: the SI card for the review\'s TRD + SI patient, the course link on the checkpoint card', async () => {
    await importBundledRuleSets(store, bundled().map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
    const active = (await store.listVersions(KETAMINE)).filter((v) => v.state === 'active').map((v) => v.version);
    assert.deepEqual(active, ['1.3.0']);

    const catalog = await RegistryServiceCatalog.start({ store, pollIntervalMs: 0 });
    try {
      const fixture = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name.startsWith('TRD with suicidal ideation 2 days ago, esketamine 84 mg at order-select'))!;
      assert.ok(fixture);
      const binding = catalog.get('ketamine-order-select');
      assert.ok(binding);
      const result = await binding.evaluate({ hook: fixture.hook, context: fixtureContext(fixture, fixture.hook), record: fixtureToPatientRecord(fixture, fixture.hook), now: new Date(fixture.now), idSeed: 'bundled' });
      const ids = result.cards.map((c) => (c.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string }; ruleSet: { version: string } }));
      assert.ok(ids.some((x) => x.rule.id === 'mdsi-label-limitations'), JSON.stringify(ids));
      assert.ok(ids.every((x) => x.ruleSet.version === '1.3.0'));
      const checkpoint = loadFixtures(join(RULES_DIR, KETAMINE, 'fixtures')).fixtures.find((f) => f.name === 'End of esketamine induction, PHQ-9 20 -> 8')!;
      const view = await catalog.get('ketamine-patient-view')!.evaluate({ hook: checkpoint.hook, context: fixtureContext(checkpoint, checkpoint.hook), record: fixtureToPatientRecord(checkpoint, checkpoint.hook), now: new Date(checkpoint.now), idSeed: 'bundled' });
      assert.deepEqual(view.cards.flatMap((c) => c.links ?? []).filter((l) => l.type === 'smart').map((l) => l.url), ['course/']);
    } finally {
      catalog.stop();
    }
  });

  it('a store that already served 1.1.0 keeps it active: 1.2.0 is never activated by the import (it goes through review)', async () => {
    const before = bundled().filter(({ compiled }) => !['1.2.0', '1.3.0'].includes(compiled.ruleSet.version));
    await importBundledRuleSets(store, before.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
    assert.equal((await store.listVersions(KETAMINE)).find((v) => v.state === 'active')?.version, '1.1.0');

    await importBundledRuleSets(store, bundled().map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
    const versions = await store.listVersions(KETAMINE);
    assert.deepEqual(versions.filter((v) => v.state === 'active').map((v) => v.version), ['1.1.0']);
    for (const version of ['1.2.0', '1.3.0']) {
      const newer = versions.find((v) => v.version === version);
      assert.ok(newer === undefined || newer.state === 'draft', `${version} is ${newer?.state}`);
    }
  });

  it('a store that already served 1.2.0 keeps it active: 1.3.0 (the course link) is never activated by the import', async () => {
    const before = bundled().filter(({ compiled }) => compiled.ruleSet.version !== '1.3.0');
    await importBundledRuleSets(store, before.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
    assert.equal((await store.listVersions(KETAMINE)).find((v) => v.state === 'active')?.version, '1.2.0');
    await importBundledRuleSets(store, bundled().map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })));
    const versions = await store.listVersions(KETAMINE);
    assert.deepEqual(versions.filter((v) => v.state === 'active').map((v) => v.version), ['1.2.0']);
    const newer = versions.find((v) => v.version === '1.3.0');
    assert.ok(newer === undefined || newer.state === 'draft', `1.3.0 is ${newer?.state}`);
  });
});
