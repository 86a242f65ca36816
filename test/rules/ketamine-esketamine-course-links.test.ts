/**
 * Rule set 1.3.0 (issue 20): the maintenance cards (schedule timing, the end-of-induction checkpoint,
 * duration of response, appointment timing, the long-term review) carry a CDS Hooks link of type
 * `smart` to the course view, on the service's own origin (the path "course/", resolved against
 * PUBLIC_BASE_URL when the card is sent) with an appContext naming the course; no other card does.
 * Checked on every fixture where such a rule fires (shown, merged or suppressed cards alike).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY } from '../../engine/evaluation-types.js';
import { fixtureContext } from '../../engine/fixtures/compact-fhir.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { compiledForFixture } from '../../engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { fixtureToPatientRecord } from '../../use-cases/fixture-converter.js';

const DIR = fileURLToPath(new URL('../../rules/ketamine-esketamine', import.meta.url));
const APP_CONTEXT = /^ruleSet=ketamine-esketamine&schedule=(esketamine-label|ketamine-iv-studied)?&courseStart=(\d{4}-\d{2}-\d{2})?$/;

describe('ketamine-esketamine 1.3.0: the course cards link to the course view', () => {
  const loaded = loadRuleSetFile(`${DIR}/rule-set.json`);
  const ruleSet = loaded.ruleSet!;
  const compiled = compileRuleSet(ruleSet);
  const linked = ruleSet.rules.filter((r) => r.card.links?.some((l) => l.type === 'smart')).map((r) => r.id);

  it('every maintenance rule (timing, checkpoint, duration of response, appointments, long-term review) and no other declares the link', () => {
    assert.equal(ruleSet.version, '1.3.0');
    const maintenance = ruleSet.rules.filter((r) => r.category === 'maintenance').map((r) => r.id);
    assert.deepEqual(linked, maintenance);
    for (const id of ['induction-checkpoint-response', 'induction-checkpoint-no-response', 'dose-due', 'dose-overdue', 'course-lapsed', 'long-term-treatment-review']) {
      assert.ok(linked.includes(id), id);
    }
    for (const rule of ruleSet.rules.filter((r) => linked.includes(r.id))) {
      assert.deepEqual(rule.card.links?.filter((l) => l.type === 'smart'), [
        { label: 'Open the treatment course', url: 'course/', type: 'smart', appContext: 'ruleSet=ketamine-esketamine&schedule={{timing.schedule}}&courseStart={{timing.courseStart}}' },
      ]);
    }
  });

  it('on the fixtures: every card from a linked rule carries the link with the course named, every other card none', async () => {
    const fixtures = loadFixtures(`${DIR}/fixtures`).fixtures;
    let cardsWithLink = 0;
    for (const f of fixtures) {
      const withParameters = compiledForFixture(compiled, f);
      assert.ok(typeof withParameters !== 'string', String(withParameters));
      const result = await withParameters.evaluate({ hook: f.hook, context: fixtureContext(f, f.hook), record: fixtureToPatientRecord(f, f.hook), now: new Date(f.now), idSeed: f.name });
      for (const card of result.cards) {
        const ex = card.extension?.[CARD_EXTENSION_KEY] as { rule: { id: string }; contributors?: Array<{ id: string }> };
        const rules = ex.contributors?.map((c) => c.id) ?? [ex.rule.id];
        const smart = (card.links ?? []).filter((l) => l.type === 'smart');
        if (rules.some((id) => linked.includes(id))) {
          assert.equal(smart.length, 1, `${f.name}: ${card.summary}`);
          assert.equal(smart[0].url, 'course/', f.name);
          assert.match(smart[0].appContext ?? '', APP_CONTEXT, f.name);
          cardsWithLink += 1;
        } else {
          assert.equal(smart.length, 0, `${f.name}: ${card.summary}`);
        }
      }
    }
    assert.ok(cardsWithLink >= 20, `${cardsWithLink} cards with the link`);
  });

  it('names the course: product schedule and course start of the checkpoint sample patient', async () => {
    const f = loadFixtures(`${DIR}/fixtures`).fixtures.find((x) => x.name === 'End of esketamine induction, PHQ-9 20 -> 8')!;
    const result = await compiled.evaluate({ hook: f.hook, context: fixtureContext(f, f.hook), record: fixtureToPatientRecord(f, f.hook), now: new Date(f.now), idSeed: f.name });
    const links = result.cards.flatMap((c) => c.links ?? []).filter((l) => l.type === 'smart');
    assert.deepEqual(links, [{ label: 'Open the treatment course', url: 'course/', type: 'smart', appContext: 'ruleSet=ketamine-esketamine&schedule=esketamine-label&courseStart=2026-02-03' }]);
  });
});
