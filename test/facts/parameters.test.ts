import assert from 'node:assert/strict';
import { fact, fixture } from './support/harness.js';
import { factsRuleSet } from './support/facts-rule-set.js';

describe('fact declarations: bad parameters give clear errors', () => {
  it('names the fact, the parameter and the problem', async () => {
    const ruleSet = factsRuleSet();
    ruleSet.facts.badValueSet = { kind: 'condition', valueSet: 'no-such-value-set' };
    ruleSet.facts.badStatus = { kind: 'condition', valueSet: 'mdd', clinicalStatus: 'current' };
    ruleSet.facts.badNumber = { kind: 'observation', valueSet: 'phq9', withinDays: 'thirty' };
    ruleSet.facts.badRoute = { kind: 'draftOrder', routeValueSets: { nasal: 'routeNasal', iv: 'route-iv' } };
    ruleSet.facts.badOrderFact = { kind: 'evidence', orderFact: 'mdd' };
    const f = fixture({ order: { code: 'rxnorm:2201625' } });
    await assert.rejects(fact(f, 'badValueSet', { ruleSet }), /fact "badValueSet" \(kind condition\): .*parameter "valueSet" names value set "no-such-value-set", which the rule set does not define/);
    await assert.rejects(fact(f, 'badStatus', { ruleSet }), /parameter "clinicalStatus" must be one of active, history, resolved, got "current"/);
    await assert.rejects(fact(f, 'badNumber', { ruleSet }), /parameter "withinDays" must be a number, got a string/);
    await assert.rejects(fact(f, 'badRoute', { ruleSet }), /routeValueSets\.iv names value set "route-iv"/);
    await assert.rejects(fact(f, 'badOrderFact', { ruleSet }), /parameter "orderFact" names fact "mdd" of kind condition; expected draftOrder/);
  });
});
