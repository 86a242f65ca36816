import assert from 'node:assert/strict';
import type { CompactCondition, CompactMedication } from '../../engine/fixtures/compact-types.js';
import { fact, fixture } from './support/harness.js';

const EPISODE = { code: 'icd10:F33.2', onset: '2025-06-01' };

function trials(medications: CompactMedication[], conditions: CompactCondition[] = [EPISODE]) {
  return fact(fixture({ data: { conditions, medications } }), 'adTrials');
}

type Trial = { agent: string; display: string; start: string; end: string | null; durationDays: number; adequate: boolean; ongoing: boolean; refs: string[] };

describe('fact kind: antidepressantTrials', () => {
  it('counts distinct agents and adequate ones in the current episode', async () => {
    const v = await trials([
      { code: 'rxnorm:36437', start: '2025-07-01', end: '2025-09-15' },
      { code: 'rxnorm:2556', start: '2025-10-01', end: '2026-01-10' },
      { code: 'rxnorm:42347', start: '2026-10-01' },
    ]);
    assert.equal(v.distinctCount, 3);
    assert.equal(v.adequateCount, 2);
    assert.equal(v.minDurationDays, 42);
    assert.equal(v.episodeStart, '2025-06-01');
    assert.equal(v.episodeKnown, true);
    assert.deepEqual(
      (v.trials as Trial[]).map((x) => [x.agent, x.end, x.durationDays, x.adequate, x.ongoing]),
      [
        ['sertraline', '2025-09-15', 76, true, false],
        ['citalopram', '2026-01-10', 101, true, false],
        ['42347', null, 31, false, true], // ongoing to NOW; no group, so the code is the agent
      ],
    );
    assert.equal(
      v.list,
      'sertraline 2025-07-01 to 2025-09-15 (76 days, adequate duration); citalopram 2025-10-01 to 2026-01-10 (101 days, adequate duration); bupropion 2026-10-01 ongoing (31 days)',
    );
    assert.deepEqual(v.refs, ['MedicationStatement/medstmt-1', 'MedicationStatement/medstmt-2', 'MedicationStatement/medstmt-3', 'Condition/cond-1']);
  });

  it('a trial one day short of minDurationDays (42) is not adequate; exactly 42 days is', async () => {
    const short = await trials([{ code: 'rxnorm:36437', start: '2025-07-01', end: '2025-08-11' }]);
    assert.equal((short.trials as Trial[])[0].durationDays, 41);
    assert.equal(short.adequateCount, 0);
    assert.equal(short.distinctCount, 1);
    const enough = await trials([{ code: 'rxnorm:36437', start: '2025-07-01', end: '2025-08-12' }]);
    assert.equal((enough.trials as Trial[])[0].durationDays, 42);
    assert.equal(enough.adequateCount, 1);
  });

  it('codes with the same value-set group are one agent; touching records merge into one trial', async () => {
    const v = await trials([
      { code: 'rxnorm:36437', start: '2025-07-01', end: '2025-07-20' },
      { code: `http://example.org/fhir/CodeSystem/test-products|sertraline-50-tab`, start: '2025-07-20', end: '2025-08-05', type: 'request' },
      { code: `http://example.org/fhir/CodeSystem/test-products|sertraline-100-tab`, start: '2025-08-05', end: '2025-08-20' },
    ]);
    assert.equal(v.distinctCount, 1);
    const [t] = v.trials as Trial[];
    assert.equal(t.agent, 'sertraline');
    assert.equal(t.start, '2025-07-01');
    assert.equal(t.end, '2025-08-20');
    assert.equal(t.durationDays, 50);
    assert.equal(t.adequate, true, 'three short records make one adequate trial');
    assert.deepEqual([...t.refs].sort(), ['MedicationRequest/medreq-1', 'MedicationStatement/medstmt-1', 'MedicationStatement/medstmt-2']);
  });

  it('records with a gap are separate runs: the longest run is the trial', async () => {
    const v = await trials([
      { code: 'rxnorm:36437', start: '2025-07-01', end: '2025-07-31' },
      { code: 'rxnorm:36437', start: '2025-08-10', end: '2025-09-10' },
    ]);
    const [t] = v.trials as Trial[];
    assert.equal(t.start, '2025-08-10');
    assert.equal(t.durationDays, 31);
    assert.equal(t.adequate, false);
  });

  it('only trials reaching into the current episode count (episode = earliest active MDD onset)', async () => {
    const v = await trials(
      [
        { code: 'rxnorm:36437', start: '2020-01-01', end: '2020-06-01' }, // previous episode
        { code: 'rxnorm:2556', start: '2025-05-01', end: '2025-08-01' }, // started before, reaches into the episode
      ],
      [EPISODE, { code: 'icd10:F32.2', onset: '2019-01-01', status: 'resolved' }],
    );
    assert.deepEqual((v.trials as Trial[]).map((t) => t.agent), ['citalopram']);
    assert.equal(v.episodeStart, '2025-06-01', 'the resolved earlier episode does not start the current one');
    assert.ok((v.refs as string[]).includes('Condition/cond-1'));
  });

  it('without an active episode condition every trial counts and episodeKnown is false', async () => {
    const v = await trials([{ code: 'rxnorm:36437', start: '2020-01-01', end: '2020-06-01' }], []);
    assert.equal(v.episodeKnown, false);
    assert.equal(v.episodeStart, null);
    assert.equal(v.distinctCount, 1);
  });

  it('no antidepressants: zero counts, empty list', async () => {
    const v = await trials([{ code: 'rxnorm:6470', start: '2025-07-01' }]);
    assert.equal(v.distinctCount, 0);
    assert.equal(v.adequateCount, 0);
    assert.equal(v.list, '');
    assert.deepEqual(v.refs, ['Condition/cond-1']);
  });
});
