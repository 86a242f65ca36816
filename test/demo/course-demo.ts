/**
 * `npm run demo:course`: the course view without an EHR, from a fresh clone. Starts a real FHIR server
 * (test/support/fhir-server.ts: medplum's in-memory repository, CORS on, no authorization: an open
 * server) holding sample patients of the rule set's fixtures, then the service itself (server/main.ts)
 * in open mode with the console open to local callers (ADMIN_OPEN_LOCAL=1) and that FHIR server as the
 * demonstration launch's default (COURSE_DEMO_FHIR_SERVER). Then, in the console's card preview, pick one
 * of the sample patients below on patient-view: its checkpoint card's "Open the treatment course" link has
 * a "launch it for this patient" link that opens the course view through the demonstration launch.
 *
 * The samples' dates are moved so that each fixture's `now` is today (the course view draws the course as
 * of the service's clock; the console preview evaluates a sample at its own `now`, so both agree).
 * The FHIR server holds one record per patient id; the rule set's fixtures reuse ids (most are
 * pt-trd-m45), so it holds one fixture for each id used here.
 */
import { join } from 'node:path';
import type * as fhir4 from 'fhir/r4.js';
import { fixtureToResources } from '../../engine/fixtures/compact-fhir.js';
import { loadFixtures } from '../../use-cases/load-fixtures.js';
import { main } from '../../server/main.js';
import { startFhirServer } from '../support/fhir-server.js';

const RULES = new URL('../../rules/ketamine-esketamine/fixtures', import.meta.url).pathname;
/** One sample patient per patient id (the fixtures' names). */
export const DEMO_PATIENTS = [
  'End of esketamine induction, PHQ-9 20 -> 8',
  'End of esketamine induction with PTSD, PHQ-9 and PCL-5 compared',
  'End of esketamine induction with PTSD but no PCL-5',
];

const DAY_MS = 86_400_000;
const FHIR_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Every FHIR date moved by whole days (the sample's "now" becomes today, as `npm run examples` does). */
function shiftDates(value: unknown, days: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shiftDates(v, days));
  if (typeof value === 'string' && FHIR_DATE.test(value)) {
    const moved = new Date(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) + days * DAY_MS).toISOString();
    return value.length === 10 ? moved.slice(0, 10) : moved;
  }
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftDates(v, days)]));
}

/** Fixtures number their resources alike (cond-0, obs-1, ...): each sample's resources get its own prefix, references follow. */
function withOwnIds(resources: fhir4.Resource[], sample: number): fhir4.Resource[] {
  const renamed = new Map<string, string>();
  for (const r of resources) if (r.resourceType !== 'Patient' && r.id) renamed.set(`${r.resourceType}/${r.id}`, `${r.resourceType}/s${sample}-${r.id}`);
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'reference' && typeof v === 'string' && renamed.has(v) ? renamed.get(v) : visit(v);
    return out;
  };
  return resources.map((r) => {
    const copy = visit(r) as fhir4.Resource;
    if (r.resourceType !== 'Patient' && r.id) copy.id = `s${sample}-${r.id}`;
    return copy;
  });
}

const { fixtures } = loadFixtures(RULES);
const fhir = await startFhirServer({ cors: true, pageSize: 100 });
const ids = new Set<string>();
for (const name of DEMO_PATIENTS) {
  const fixture = fixtures.find((f) => f.name === name);
  if (fixture === undefined) throw new Error(`no sample patient named ${JSON.stringify(name)} in ${RULES}`);
  if (ids.has(fixture.patient.id)) throw new Error(`two demonstration patients share the id ${fixture.patient.id}`);
  ids.add(fixture.patient.id);
  // The course view draws the course as of the service's clock (today): the sample is moved so that its "now" is today.
  const days = Math.round((Date.now() - Date.parse(fixture.now)) / DAY_MS);
  await fhir.load(withOwnIds(fixtureToResources(fixture), ids.size).map((r) => shiftDates(r, days) as fhir4.Resource));
}
process.env.ADMIN_OPEN_LOCAL ??= '1';
process.env.COURSE_DEMO_FHIR_SERVER = fhir.baseUrl;
process.env.DATA_DIR ??= join('data', 'course-demo');
await main();
const port = process.env.PORT ?? '8080';
console.log(`\nDemonstration FHIR server: ${fhir.baseUrl} (open, sample patients ${[...ids].join(', ')})`);
console.log(`Console card preview: http://127.0.0.1:${port}/console/preview (any token signs in: ADMIN_OPEN_LOCAL=1)`);
console.log(`Choose a sample patient on patient-view: ${DEMO_PATIENTS.map((n) => JSON.stringify(n)).join(', ')};`);
console.log('then "launch it for this patient" under the card\'s "Open the treatment course" link.');
console.log(`Or open http://127.0.0.1:${port}/course/demo directly.`);
