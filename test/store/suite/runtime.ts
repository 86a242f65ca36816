/**
 * Runtime integration over the store: the first-start import of bundled rule sets and the service
 * catalog that follows the registry (compiled with the real engine; test fact kinds and the engine's
 * test rule set).
 */
import assert from 'node:assert/strict';
import { compileRuleSet, ruleSetHash } from '../../../engine/compile-rule-set.js';
import type { RuleSet } from '../../../engine/rule-set-types.js';
import { BOOTSTRAP_REASON, importBundledRuleSets, type BundledRuleSet } from '../../../store/import-bundled.js';
import { BOOTSTRAP_ACTOR } from '../../../store/lifecycle-policy.js';
import { RegistryServiceCatalog } from '../../../use-cases/registry-catalog.js';
import { ruleSetContentHash } from '../../../store/rule-set-hash.js';
import type { Store } from '../../../store/store.js';
import { TEST_FACT_KINDS } from '../../engine/support/test-fact-kinds.js';
import { ICD10, condition, esketamineOrder, record, testRuleSet } from '../../engine/support/test-rule-set.js';
import type { TestBackend, TestDatabase } from '../support/backends.js';
import { manualClock, type ManualClock } from '../support/fixtures.js';

function bundled(version = '1.0.0', change: (ruleSet: RuleSet) => void = () => undefined): BundledRuleSet {
  const ruleSet = testRuleSet();
  ruleSet.version = version;
  change(ruleSet);
  return { ruleSet, file: `rules/engine-test/versions/${version}/rule-set.json` };
}

/** A second rule set with its own id and service ids. */
function otherRuleSet(version = '1.0.0', change: (ruleSet: RuleSet) => void = () => undefined): BundledRuleSet {
  return bundled(version, (ruleSet) => {
    ruleSet.id = 'engine-test-other';
    ruleSet.services = ruleSet.services.map((s) => ({ ...s, id: `other-${s.id}` }));
    change(ruleSet);
  });
}

async function review(store: Store, ruleSet: RuleSet, activate = true): Promise<void> {
  await store.publish(ruleSet, ruleSetContentHash(ruleSet), 'alice');
  await store.transition(ruleSet.id, ruleSet.version, 'in-review', 'alice', 'ready');
  await store.transition(ruleSet.id, ruleSet.version, 'approved', 'bob', 'reviewed');
  if (activate) await store.transition(ruleSet.id, ruleSet.version, 'active', 'bob', 'go live');
}


/** A catalog's onReload, and a promise that resolves once the catalog has reloaded to at least a revision. */
function reloadTracker(): { onReload: (revision: number) => void; reloadedTo: (revision: number) => Promise<void> } {
  let loaded = -1;
  const waiting: { revision: number; resolve: () => void }[] = [];
  const onReload = (revision: number): void => {
    loaded = revision;
    waiting.filter((w) => w.revision <= revision).forEach((w) => w.resolve());
  };
  const reloadedTo = (revision: number): Promise<void> =>
    loaded >= revision ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ revision, resolve }));
  return { onReload, reloadedTo };
}

export function runtimeSuite(backend: TestBackend): void {
  describe('first-start import of bundled rule sets', () => {
    let db: TestDatabase;
    let store: Store;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = manualClock('2026-03-01T06:00:00.000Z');
      db = await backend.fresh();
      store = await db.open({ clock });
    });
    afterEach(async () => db.dispose());

    it('uses the same identity hash as the engine', () => {
      assert.equal(ruleSetContentHash(testRuleSet()), ruleSetHash(testRuleSet()));
    });

    it('publishes and activates a bundled rule set into an empty registry, recording the bootstrap honestly', async () => {
      const result = await importBundledRuleSets(store, [bundled()]);
      assert.equal(result.imported, true);
      const [outcome] = result.files;
      assert.deepEqual(
        { status: outcome.status, activated: outcome.activated, hash: outcome.hash },
        { status: 'imported', activated: true, hash: ruleSetContentHash(testRuleSet()) },
      );
      const history = await store.history('engine-test', '1.0.0');
      assert.deepEqual(history.map((e) => `${e.from ?? '-'}>${e.to} by ${e.actor}`), [
        `->draft by ${BOOTSTRAP_ACTOR}`,
        `draft>in-review by ${BOOTSTRAP_ACTOR}`,
        `in-review>approved by ${BOOTSTRAP_ACTOR}`,
        `approved>active by ${BOOTSTRAP_ACTOR}`,
      ]);
      assert.equal(history[1].reason, BOOTSTRAP_REASON);
      assert.match(history[2].reason, /^bundled rule set imported into an empty registry on first start \[approved by system:bootstrap without a second reviewer/);
      assert.equal(history[3].reason, BOOTSTRAP_REASON);
      assert.equal((await store.activeVersionAt('engine-test', clock().toISOString()))?.version, '1.0.0');
    });

    it('changes nothing on later starts', async () => {
      await importBundledRuleSets(store, [bundled()]);
      const revision = await store.registryRevision();
      const restarted = await db.open({ clock });
      const result = await importBundledRuleSets(restarted, [bundled()]);
      assert.deepEqual([result.imported, result.files.map((f) => [f.status, f.activated])], [false, [['in-registry', false]]]);
      assert.equal(await store.registryRevision(), revision);
    });

    it('never re-activates anything once the registry holds a version, even after every version was retired', async () => {
      await importBundledRuleSets(store, [bundled()]);
      await store.transition('engine-test', '1.0.0', 'retired', 'carol', 'withdrawn pending review');
      const result = await importBundledRuleSets(store, [bundled()]);
      assert.equal(result.imported, false);
      assert.equal((await store.getVersion('engine-test', '1.0.0'))?.state, 'retired');
    });

    it('a new bundled version (a draft folder added before a restart) is reported, not published and not served', async () => {
      await importBundledRuleSets(store, [bundled()]);
      const revision = await store.registryRevision();
      const result = await importBundledRuleSets(store, [bundled('1.0.0'), bundled('1.1.0', (rs) => (rs.title = 'Newer'))]);
      assert.deepEqual(result.files.map((o) => [o.version, o.status, o.activated]), [['1.0.0', 'in-registry', false], ['1.1.0', 'new', false]]);
      assert.match(result.files[1].note, /not in the registry and is not served; it goes live only through publish, submit, approve \(by another person\) and activate/);
      assert.equal(await store.getVersion('engine-test', '1.1.0'), undefined);
      assert.equal(await store.registryRevision(), revision);
      // A whole new rule set (a new folder under rules/) is not published either.
      const other = await importBundledRuleSets(store, [bundled(), otherRuleSet()]);
      assert.deepEqual(other.files.map((o) => [o.ruleSetId, o.status]), [['engine-test', 'in-registry'], ['engine-test-other', 'new']]);
      assert.deepEqual((await store.listVersions()).map((v) => `${v.ruleSetId}@${v.version}`), ['engine-test@1.0.0']);
    });

    it('imports every bundled version into an empty registry and activates only the newest of each rule set', async () => {
      const result = await importBundledRuleSets(store, [bundled('1.10.0', (rs) => (rs.title = 'B')), bundled('1.2.0', (rs) => (rs.title = 'C')), bundled('1.9.0', (rs) => (rs.title = 'A')), otherRuleSet()]);
      assert.deepEqual(result.files.map((o) => [o.ruleSetId, o.version, o.activated]), [
        ['engine-test', '1.2.0', false],
        ['engine-test', '1.9.0', false],
        ['engine-test', '1.10.0', true],
        ['engine-test-other', '1.0.0', true],
      ]);
      assert.equal((await store.getVersion('engine-test', '1.9.0'))?.state, 'draft');
      assert.equal((await store.getVersion('engine-test', '1.2.0'))?.state, 'draft');
    });

    it('an edited working file (same version, other content) is reported as changed and never stops the start', async () => {
      await importBundledRuleSets(store, [bundled()]);
      const result = await importBundledRuleSets(store, [bundled('1.0.0', (rs) => (rs.description = 'edited in place'))]);
      assert.deepEqual(result.files.map((f) => f.status), ['changed']);
      assert.equal(result.files[0].file, 'rules/engine-test/versions/1.0.0/rule-set.json');
      assert.match(result.files[0].note, /^the file differs from the published engine-test 1\.0\.0 .*Give the working file a new version number/);
      assert.equal((await store.getVersion('engine-test', '1.0.0'))?.hash, ruleSetContentHash(testRuleSet()));
    });

    it('does not bootstrap anything into a registry where a person already published a version', async () => {
      const rs = bundled().ruleSet;
      await store.publish(rs, ruleSetContentHash(rs), 'alice');
      const result = await importBundledRuleSets(store, [bundled()]);
      assert.equal(result.imported, false);
      assert.equal((await store.getVersion('engine-test', '1.0.0'))?.state, 'draft');
    });

    it('two processes importing at once end with exactly one active version and no error', async () => {
      const other = await db.open({ clock });
      const results = await Promise.all([importBundledRuleSets(store, [bundled()]), importBundledRuleSets(other, [bundled()])]);
      assert.equal(results.flatMap((r) => r.files).filter((o) => o.activated).length, 1);
      assert.equal((await store.getVersion('engine-test', '1.0.0'))?.state, 'active');
      assert.equal((await store.history('engine-test')).filter((e) => e.to === 'active').length, 1);
    });
  });

  describe('service catalog following the registry', () => {
    let db: TestDatabase;
    let store: Store;
    let clock: ManualClock;
    let compiled: string[];
    let catalogs: RegistryServiceCatalog[];
    const compile = (ruleSet: RuleSet) => {
      compiled.push(`${ruleSet.id}@${ruleSet.version}`);
      return compileRuleSet(ruleSet, { factKinds: TEST_FACT_KINDS });
    };
    const start = async (options: Partial<Parameters<typeof RegistryServiceCatalog.start>[0]> = {}) => {
      const catalog = await RegistryServiceCatalog.start({ store, compile, clock, pollIntervalMs: 0, ...options });
      catalogs.push(catalog);
      return catalog;
    };

    beforeEach(async () => {
      clock = manualClock('2026-03-01T06:00:00.000Z');
      compiled = [];
      catalogs = [];
      db = await backend.fresh();
      store = await db.open({ clock });
      await importBundledRuleSets(store, [bundled()]);
    });
    afterEach(async () => {
      catalogs.forEach((catalog) => catalog.stop());
      await db.dispose();
    });

    it('binds the services of each active version and evaluates with it', async () => {
      const catalog = await start();
      assert.equal(catalog.ready(), true);
      assert.deepEqual(catalog.list().map((b) => b.service.id), ['engine-test-order-sign', 'engine-test-patient-view']);
      const binding = catalog.get('engine-test-order-sign');
      assert.deepEqual(binding?.ruleSet, { id: 'engine-test', version: '1.0.0', hash: ruleSetContentHash(testRuleSet()) });
      const result = await binding!.evaluate({
        hook: 'order-sign',
        context: { patientId: 'p1' },
        record: record({ draftOrders: [esketamineOrder()], conditions: [condition('c-aaa', ICD10, 'I71.3')] }),
        now: clock(),
        idSeed: 'hook-instance-1',
      });
      assert.equal(result.ruleSet.version, '1.0.0');
      assert.deepEqual(result.fired.map((f) => f.ruleId).slice(0, 1), ['contraindication-aneurysm']);
      assert.equal(catalog.get('no-such-service'), undefined);
    });

    it('picks up an activation on refresh(), compiling each version once', async () => {
      const catalog = await start();
      const other = await db.open({ clock });
      await review(other, bundled('1.1.0', (rs) => (rs.title = 'Engine test rule set, revised')).ruleSet);
      // SQLite announces only changes made through the same store object; PostgreSQL's NOTIFY may
      // already have brought this change (see the next tests).
      if (backend.kind === 'sqlite') assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.0.0');
      await catalog.refresh();
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.1.0');
      assert.equal(catalog.loadedRevision(), await store.registryRevision());
      await catalog.refresh();
      await catalog.refresh({ force: true });
      assert.deepEqual(compiled, ['engine-test@1.0.0', 'engine-test@1.1.0']);
      await other.transition('engine-test', '1.0.0', 'active', 'dave', 'roll back');
      await catalog.refresh();
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.0.0');
    });

    it('polls registryRevision and follows a change made by another process', async () => {
      const { onReload, reloadedTo } = reloadTracker();
      const catalog = await start({ pollIntervalMs: 10, onReload });
      const other = await db.open({ clock });
      await review(other, bundled('1.1.0', (rs) => (rs.title = 'Revised')).ruleSet);
      await reloadedTo(await other.registryRevision());
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.1.0');
    });

    it('follows the store\'s announcements without polling (PostgreSQL: a change by another process; SQLite: by the same store)', async () => {
      const { onReload, reloadedTo } = reloadTracker();
      const catalog = await start({ pollIntervalMs: 0, onReload });
      const writer = backend.kind === 'postgres' ? await db.open({ clock }) : store;
      await review(writer, bundled('1.1.0', (rs) => (rs.title = 'Revised')).ruleSet);
      await reloadedTo(await writer.registryRevision());
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.1.0');
      catalog.stop();
      await writer.transition('engine-test', '1.0.0', 'active', 'dave', 'roll back');
      await catalog.refresh();
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.0.0', 'refresh() still works after stop()');
    });

    it('serves a version only inside its effective period, checked at request time, never falling back to a retired one', async () => {
      const catalog = await start();
      await review(store, bundled('2.0.0', (rs) => (rs.effectivePeriod = { start: '2026-04-01T00:00:00Z', end: '2026-05-01' })).ruleSet);
      await catalog.refresh();
      assert.equal(catalog.get('engine-test-order-sign'), undefined);
      assert.deepEqual(catalog.list(), []);
      assert.equal(catalog.ready(), false);
      clock.set('2026-04-01T00:00:00.000Z');
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '2.0.0');
      assert.equal(catalog.ready(), true);
      clock.set('2026-04-30T23:59:59.999Z');
      assert.equal(catalog.list().length, 2);
      clock.set('2026-05-01T00:00:00.000Z');
      assert.equal(catalog.get('engine-test-order-sign'), undefined);
    });

    it('does not serve an active version that fails to compile, and says why; other rule sets keep serving', async () => {
      await review(store, otherRuleSet().ruleSet);
      const broken = bundled('1.1.0', (rs) => {
        rs.rules[0].conditions = { all: [{ fact: 'undeclaredFact', operator: 'equal', value: true }] };
      }).ruleSet;
      await review(store, broken);
      const catalog = await start();
      assert.equal(catalog.get('engine-test-order-sign'), undefined);
      assert.deepEqual(catalog.list().map((b) => b.service.id), ['other-engine-test-order-sign', 'other-engine-test-patient-view']);
      assert.equal(catalog.problems().length, 1);
      assert.match(catalog.problems()[0], /rule set "engine-test"@1\.1\.0 is active but does not compile/);
    });

    it('does not serve a service id that two active rule sets define', async () => {
      await review(store, otherRuleSet('1.0.0', (rs) => (rs.services[1].id = 'engine-test-patient-view')).ruleSet);
      const catalog = await start();
      assert.equal(catalog.get('engine-test-patient-view')?.ruleSet.id, 'engine-test');
      assert.match(catalog.problems().join('\n'), /"engine-test-other"@1\.0\.0 service "engine-test-patient-view": service id already served by rule set "engine-test"@1\.0\.0/);
    });

    it('keeps the last good bindings when the registry cannot be read', async () => {
      const shortLived = await db.open({ clock });
      const catalog = await RegistryServiceCatalog.start({ store: shortLived, compile, clock, pollIntervalMs: 0 });
      await shortLived.close();
      await assert.rejects(catalog.refresh());
      assert.equal(catalog.get('engine-test-order-sign')?.ruleSet.version, '1.0.0');
    });
  });
}
