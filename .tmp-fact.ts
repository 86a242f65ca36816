import { loadFixtures } from './engine/fixtures/load-fixtures.js';
import { loadRuleSetFile } from './engine/load-rule-set.js';
import { fact } from './test/facts/support/harness.js';
const rs = loadRuleSetFile('rules/ketamine-esketamine/rule-set.json').ruleSet!;
const f = loadFixtures('rules/ketamine-esketamine/fixtures').fixtures.find((x) => x.file.includes(process.argv[2]))!;
for (const name of process.argv.slice(3)) {
  const v = await fact(f, name, { ruleSet: rs, hook: f.hook, now: new Date(f.now) });
  const { refs, ...rest } = v as any;
  console.log(name, JSON.stringify(rest));
}
