/**
 * Writes the sample CDS Hooks requests in examples/requests/ from the ketamine-esketamine rule-set
 * fixtures, so that the samples and the fixtures stay in sync: each request is what the rule set's
 * service for the fixture's hook would receive (hook context plus every prefetch key answered from
 * the fixture's data), built by engine/fixtures/compact-fhir.ts.
 *
 *   npx tsx examples/generate-requests.ts          write the files
 *   npx tsx examples/generate-requests.ts --check  exit 1 when a file is missing or out of date
 *
 * Each request's expected cards are in the fixture named in SAMPLES; try one with
 *   npx tsx cli/cds-rules.ts evaluate --request examples/requests/<file> --now <fixture now>
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureToRequest } from '../engine/fixtures/compact-fhir.js';
import { loadFixtureFile } from '../use-cases/load-fixtures.js';
import { loadRuleSetFile } from '../use-cases/load-rule-set-file.js';
import { EXAMPLE_EXTENSION_KEY } from './shift-dates.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RULE_SET_DIR = join(ROOT, 'rules', 'ketamine-esketamine');
const OUT_DIR = join(ROOT, 'examples', 'requests');

/** Output name (without the hook prefix) -> fixture file (in the rule set's fixtures folder). */
const SAMPLES: ReadonlyArray<{ name: string; fixture: string }> = [
  { name: 'trd-esketamine', fixture: 'evidence-trd-esketamine-fires.yaml' },
  { name: 'ptsd-alone-iv-ketamine', fixture: 'evidence-ptsd-alone-fires.yaml' },
  { name: 'ptsd-trd-esketamine', fixture: 'patient-ptsd-trd-esketamine-order-select.yaml' },
  { name: 'trd-esketamine', fixture: 'patient-trd-esketamine-induction-start.yaml' },
  { name: 'trd-esketamine-baselines-missing', fixture: 'pre-session-several-missing-one-card.yaml' },
  { name: 'chronic-pain-ketamine-no-cards', fixture: 'order-reason-chronic-pain-no-cards.yaml' },
  { name: 'veteran-ptsd-mdd-iv-ketamine', fixture: 'patient-veteran-ptsd-mdd-iv-ketamine.yaml' },
  { name: 'ptsd-alone-iv-ketamine', fixture: 'patient-ptsd-alone-iv-ketamine.yaml' },
  { name: 'bipolar-depression-esketamine', fixture: 'patient-bipolar-depression-esketamine.yaml' },
  { name: 'adolescent-esketamine', fixture: 'patient-adolescent-esketamine.yaml' },
  { name: 'aneurysm-esketamine', fixture: 'contraindication-aneurysm-fires.yaml' },
  { name: 'bp-182-96-esketamine', fixture: 'bp-182-96-stop-fires.yaml' },
  { name: 'home-compounded-ketamine', fixture: 'home-oral-compounded-ketamine-fires.yaml' },
  { name: 'sertraline-no-cards', fixture: 'patient-sertraline-order-no-cards.yaml' },
  { name: 'esketamine-end-of-induction', fixture: 'maintenance-checkpoint-no-response-fires.yaml' },
  { name: 'esketamine-end-of-induction-ptsd', fixture: 'maintenance-checkpoint-pcl5-fires.yaml' },
  { name: 'iv-ketamine-past-duration-of-response', fixture: 'maintenance-iv-past-duration-fires.yaml' },
  { name: 'esketamine-long-term', fixture: 'maintenance-long-term-review-fires.yaml' },
  { name: 'esketamine-too-soon', fixture: 'appointment-too-soon-fires.yaml' },
  { name: 'esketamine-on-schedule', fixture: 'appointment-on-schedule-near-miss.yaml' },
  // 1.2.0 (issue 14)
  { name: 'trd-suicidal-ideation-esketamine', fixture: 'si-trd-esketamine-84mg-order-select-fires.yaml' },
  { name: 'trd-suicidal-ideation-esketamine', fixture: 'si-trd-esketamine-84mg-order-sign-fires.yaml' },
  { name: 'bipolar-hypomanic-iv-ketamine', fixture: 'mania-hypomanic-episode-iv-fires.yaml' },
  { name: 'esketamine-week-5-end-of-induction', fixture: 'calendar-week5-first-weekly-dose-response-fires.yaml' },
  { name: 'compounded-ketamine-troche', fixture: 'home-troche-order-select-own-evidence-fires.yaml' },
];

function main(): number {
  const check = process.argv.includes('--check');
  const loaded = loadRuleSetFile(join(RULE_SET_DIR, 'rule-set.json'));
  if (!loaded.ruleSet || loaded.problems.length > 0) {
    for (const p of loaded.problems) console.error(`${p.file} ${p.pointer}: ${p.message}`);
    console.error('rule set does not load; fix it first (npx tsx cli/cds-rules.ts validate rules/ketamine-esketamine)');
    return 1;
  }
  const ruleSet = loaded.ruleSet;
  if (!check) mkdirSync(OUT_DIR, { recursive: true });
  let stale = 0;
  for (const sample of SAMPLES) {
    const file = join(RULE_SET_DIR, 'fixtures', sample.fixture);
    const { fixture, errors } = loadFixtureFile(file);
    if (!fixture) {
      for (const e of errors) console.error(`${e.file}: ${e.message}`);
      return 1;
    }
    const service = ruleSet.services.find((s) => s.hook === fixture.hook);
    if (!service) {
      console.error(`${relative(ROOT, file)}: the rule set has no service for hook ${fixture.hook}`);
      return 1;
    }
    const request = fixtureToRequest(fixture, service);
    // Which fixture this sample came from and the "now" it was written for: examples/send-examples.ts
    // moves every date by (today - fixtureNow) so that the samples stay current.
    request.extension = { [EXAMPLE_EXTENSION_KEY]: { fixture: sample.fixture, fixtureNow: fixture.now } };
    const text = `${JSON.stringify(request, null, 2)}\n`;
    const out = join(OUT_DIR, `${fixture.hook}--${sample.name}.json`);
    if (check) {
      if (!existsSync(out) || readFileSync(out, 'utf8') !== text) {
        console.error(`${relative(ROOT, out)} is missing or out of date (from ${relative(ROOT, file)})`);
        stale++;
      }
    } else {
      writeFileSync(out, text);
      console.log(`${relative(ROOT, out)}  <- ${relative(ROOT, file)} (now ${fixture.now}, service ${service.id})`);
    }
  }
  if (check && stale > 0) {
    console.error(`${stale} sample request(s) out of date: run npx tsx examples/generate-requests.ts`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
