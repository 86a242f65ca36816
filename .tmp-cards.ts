import { compileRuleSet } from './engine/compile-rule-set.js';
import { loadFixtures } from './engine/fixtures/load-fixtures.js';
import { runFixture } from './engine/fixtures/run-fixtures.js';
import { loadRuleSetFile } from './engine/load-rule-set.js';
import { COMPACT_FHIR_CONVERTER } from './use-cases/fixture-converter.js';
const c = compileRuleSet(loadRuleSetFile('rules/ketamine-esketamine/rule-set.json').ruleSet!);
const only = process.argv[2];
for (const f of loadFixtures('rules/ketamine-esketamine/fixtures').fixtures) {
  if (only && !f.file.includes(only)) continue;
  const o = await runFixture(c, f, COMPACT_FHIR_CONVERTER);
  console.log(`## ${f.file.split('/').pop()} [${f.hook}]`);
  for (const card of o.actualCards) console.log(`   ${card.indicator[0].toUpperCase()} ${card.summary}`);
}
