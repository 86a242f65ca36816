/** Data for the store tests: rule-set versions, decision records, a clock the test moves by hand. */
import type { RuleSet } from '../../../engine/rule-set-types.js';
import type { DecisionCard, DecisionRecordInput } from '../../../store/store.js';

/** A pinned "now" that only moves when the test says so. */
export interface ManualClock {
  (): Date;
  set(iso: string): void;
  advance(ms: number): void;
}

export function manualClock(startIso: string): ManualClock {
  let now = new Date(startIso).getTime();
  const clock = (() => new Date(now)) as ManualClock;
  clock.set = (iso) => {
    now = new Date(iso).getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** A clock that moves on by itself: `stepMs` after every reading (like a real clock, but exact). */
export function tickingClock(startIso: string, stepMs = 1): ManualClock {
  const clock = manualClock(startIso);
  const ticking = (() => {
    const now = clock();
    clock.advance(stepMs);
    return now;
  }) as ManualClock;
  ticking.set = clock.set;
  ticking.advance = clock.advance;
  return ticking;
}

/** A rule-set version as the registry sees it (the store does not interpret rules). */
export function ruleSetContent(id: string, version: string, options: { start?: string; end?: string; description?: string } = {}): RuleSet {
  return {
    $schema: '../../engine/rule-set.schema.json',
    id,
    version,
    status: 'draft',
    effectivePeriod: { start: options.start ?? '2026-01-01', ...(options.end !== undefined ? { end: options.end } : {}) },
    title: `Store test rule set ${id}`,
    description: options.description ?? 'Registry test content.',
    publisher: 'Store tests',
    authors: [{ name: 'Test Author' }],
    approvals: [],
    citations: {},
    valueSets: {},
    parameters: {},
    products: {},
    facts: {},
    schedules: {},
    services: [],
    rules: [],
  };
}

export function card(uuid: string, ruleId = 'rule-a', indicator = 'warning', summary = `Summary of ${uuid}`): DecisionCard {
  return { uuid, ruleId, indicator, summary };
}

/** A merged card (a concern in merge mode): recorded with every contributing rule, the first leading. */
export function mergedCard(uuid: string, ruleIds: string[], indicator = 'warning', summary = `Merged summary of ${uuid}`): DecisionCard {
  return { uuid, ruleId: ruleIds[0], indicator, summary, ruleIds };
}

/** Decision n (1-based) at 2026-03-01T10:00:00Z + n minutes, one card `card-<n>` unless given. */
export function decisionInput(n: number, overrides: Partial<DecisionRecordInput> = {}): DecisionRecordInput {
  const at = new Date(Date.UTC(2026, 2, 1, 10, n)).toISOString();
  return {
    at,
    serviceId: 'ketamine-order-sign',
    hook: 'order-sign',
    hookInstance: `hook-instance-${n}`,
    clientIss: 'https://ehr.example.org',
    patientKey: `patient-key-${n % 3}`,
    ruleSetId: 'ketamine-esketamine',
    ruleSetVersion: '1.0.0',
    ruleSetHash: 'a'.repeat(64),
    evaluationNow: at,
    inputFingerprint: `fingerprint-${n}`,
    fired: [{ ruleId: 'rule-a', facts: [{ name: 'order', value: { present: true, refs: ['MedicationRequest/1'] } }], suppressed: false }],
    cards: [card(`card-${n}`)],
    latencyMs: 12.5 + n / 8,
    status: 200,
    ...overrides,
  };
}
