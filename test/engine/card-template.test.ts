import assert from 'node:assert/strict';
import { cutText, formatNumber, literalLength, parseTemplate, renderTemplate, templateVariables } from '../../engine/card-template.js';
import { compileRuleSet } from '../../engine/compile-rule-set.js';
import type { FactKind } from '../../engine/evaluation-types.js';
import { TEST_FACT_KINDS } from './support/test-fact-kinds.js';
import { NOW, record, testRuleSet } from './support/test-rule-set.js';

describe('card templates', () => {
  it('parses text and {{fact.path}} variables (spaces allowed inside the braces)', () => {
    const parsed = parseTemplate('BP {{ bp.latest.systolic }}/{{bp.items[0].value}} mmHg');
    assert.ok(parsed.ok);
    assert.deepEqual(
      templateVariables(parsed.parts).map((v) => [v.fact, v.path]),
      [
        ['bp', '$.latest.systolic'],
        ['bp', '$.items[0].value'],
      ],
    );
    assert.equal(literalLength(parsed.parts), 'BP / mmHg'.length);
  });

  it('reports malformed templates precisely', () => {
    const cases: Array<[string, RegExp]> = [
      ['a {{bp.x', /"\{\{" without a closing "\}\}"/],
      ['a }} b', /"\}\}" without a matching "\{\{"/],
      ['{{ }}', /is not a variable/],
      ['{{bp..x}}', /expected an identifier after "\."/],
      ['{{bp.__proto__}}', /"__proto__" is not allowed/],
      ['{{bp[*]}}', /expected a non-negative integer index/],
    ];
    for (const [text, error] of cases) {
      const parsed = parseTemplate(text);
      assert.equal(parsed.ok, false, text);
      assert.match((parsed as { errors: string[] }).errors.join('\n'), error, text);
    }
  });

  it('renders values: strings cut to maxLength, numbers tidy, missing as nothing, markdown escaped', () => {
    const parsed = parseTemplate('{{f.s}}|{{f.n}}|{{f.i}}|{{f.b}}|{{f.missing}}|{{f.nul}}');
    assert.ok(parsed.ok);
    const values = { s: 'abcdefghij', n: 0.1 + 0.2, i: 42, b: false, nul: null };
    const text = renderTemplate(parsed.parts, { factValue: () => values, maxLength: (v) => (v.path === '$.s' ? 5 : undefined) });
    assert.equal(text, 'abcd…|0.3|42|false||');
    const single = parseTemplate('{{f.s}}');
    assert.ok(single.ok);
    const md = renderTemplate(single.parts, {
      factValue: () => ({ s: '[x](javascript:1) *b* <i>' }),
      maxLength: () => undefined,
      markdown: true,
    });
    assert.equal(md, '\\[x\\](javascript:1) \\*b\\* \\<i\\>');
  });

  it('keeps numbers within 12 characters', () => {
    for (const n of [1 / 3, 123456.789012345, 1e21, -0.000000123456, 152]) assert.ok(formatNumber(n).length <= 12, `${n} -> ${formatNumber(n)}`);
    assert.equal(formatNumber(152), '152');
    assert.equal(cutText('😀😀😀', 2), '😀…');
  });
});

describe('fact dependencies', () => {
  it('a cycle between facts is reported, not a hang', async () => {
    const loop: FactKind = {
      kind: 'loop',
      description: 'Reads another fact',
      paramsSchema: { type: 'object', additionalProperties: false, required: ['otherFact'], properties: { otherFact: { type: 'string' } } },
      output: { type: 'object', properties: { present: { type: 'boolean' } } },
      async compute(decl, ctx) {
        await ctx.fact(String(decl.otherFact));
        return { present: true, refs: [] };
      },
    };
    const rs = testRuleSet();
    rs.facts.a = { kind: 'loop', otherFact: 'b' };
    rs.facts.b = { kind: 'loop', otherFact: 'a' };
    rs.rules[3].conditions = { all: [{ fact: 'a', path: '$.present', operator: 'equal', value: true }] };
    const compiled = compileRuleSet(rs, { factKinds: { ...TEST_FACT_KINDS, loop } });
    await assert.rejects(
      compiled.evaluate({ hook: 'order-sign', context: {}, record: record(), now: NOW, idSeed: 's' }),
      /fact "a" \(kind loop\): depends on itself: a -> b -> a/,
    );
  });

  it('a declaration naming an undeclared fact is a validation error', () => {
    const rs = testRuleSet();
    rs.facts.a = { kind: 'loop', otherFact: 'nope' };
    const loop = { kind: 'loop', description: '', paramsSchema: { type: 'object', properties: { otherFact: { type: 'string' } } }, output: { type: 'object' as const }, compute: () => ({ refs: [] }) };
    assert.throws(() => compileRuleSet(rs, { factKinds: { ...TEST_FACT_KINDS, loop } }), /\/facts\/a\/otherFact: unknown fact "nope"/);
  });
});
