/**
 * `evidence`: grades the evidence for the product being ordered (or last given) using the rule set's
 * evidence model (ctx.ruleSet.evidence, knowledge brief §6).
 *
 *  - Product: the `product` parameter when given; otherwise the product of the draft order (the
 *    `orderFact` draftOrder fact when given, else the first draft order in the hook's default scope);
 *    on patient-view and appointment-book, the product of the most recent administration.
 *  - Each indication's `criteria` and each modifier's `when` are json-rules-engine conditions over the
 *    declared facts, evaluated with json-rules-engine (engine/facts/conditions.ts). An indication is
 *    supported when its criteria hold and it has a base score for the product.
 *  - The chosen indication is the supported one with the highest base score. Ties: with the model's
 *    tieBreak "priority", the higher declared priority (validation makes priorities distinct, so no
 *    tie is decided by list order); with "list-order" (the default, for rule sets written before the
 *    option), the earlier one in the model. tieText says when a tie was broken and how.
 *  - Modifiers whose `when` holds and whose appliesTo is empty or names the indication are applied in
 *    order: score = max(score + delta, min(floor, score)), i.e. a floor never raises a score that was
 *    already below it. Every supported indication is scored the same way (`scores`).
 *  - Grade: the grade with the highest `min` that is <= score.
 *  - present false when there is no product or no supported indication; labels then say
 *    "No documented indication".
 *  - refs: the refs of every fact read by the chosen indication's criteria and the applied modifiers.
 */
import type { FactContext, FactKind, FactValue } from '../evaluation-types.js';
import type { EvidenceGrade, EvidenceModel, TopLevelCondition } from '../rule-set-types.js';
import { conditionFacts, evaluateNamedConditions } from './conditions.js';
import { productInContext } from './support/products.js';
import { FactParameterError, describeDeclaration, optionalString, paramsSchema } from './support/params.js';
import { MAX, bool, clip, enumStr, enumStrOrNull, factShape, joinClipped, list, num, numOrNull, obj, str, strOrNull, uniqueRefs } from './support/shape.js';

const NO_INDICATION = 'No documented indication';

interface Factor {
  text: string;
  delta: number;
  modifier: string | null;
}

interface Scored {
  indication: string;
  label: string;
  baseScore: number;
  score: number;
  grade: string | null;
  gradeLabel: string;
  labelStatus: 'on-label' | 'off-label';
  factors: Factor[];
  citations: string[];
  reads: string[];
  priority: number;
}

function signed(n: number): string {
  const r = Math.round(n * 100) / 100;
  return r > 0 ? `+${r}` : String(r);
}

/** A score for text: at most 2 decimals, no trailing zeros ("2", "2.5", "3.25"). */
function formatScore(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function gradeFor(grades: readonly EvidenceGrade[], score: number): EvidenceGrade | undefined {
  return [...grades].sort((a, b) => b.min - a.min).find((g) => g.min <= score);
}

async function resolveProduct(decl: Record<string, unknown>, ctx: FactContext): Promise<string | undefined> {
  const fixed = optionalString(decl, 'product', ctx);
  if (fixed !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(ctx.ruleSet.products ?? {}, fixed)) {
      throw new FactParameterError(`${describeDeclaration(decl, ctx)}: parameter "product" names product "${fixed}", which the rule set does not define`);
    }
    return fixed;
  }
  return productInContext(decl, ctx);
}

function absent(product: string | null, productLabel: string | null, reason: string, supported: Scored[] = []): FactValue {
  return {
    present: false,
    product,
    productLabel,
    indication: null,
    indicationLabel: NO_INDICATION,
    labelStatus: null,
    onLabel: false,
    baseScore: null,
    score: null,
    grade: null,
    gradeLabel: NO_INDICATION,
    factors: [],
    factorsText: '',
    citations: [],
    supported: supported.map((s) => s.indication),
    supportedText: '',
    tieText: '',
    scores: [],
    scoresText: '',
    text: clip(reason, MAX.text),
    refs: [],
  };
}

export const evidenceKind: FactKind = {
  kind: 'evidence',
  description:
    "Evidence grade for the product: the supported indication (from the rule set's evidence model) with the highest base score, adjusted by the modifiers that hold, with the factors that explain the score.",
  paramsSchema: paramsSchema('evidence', {
    product: { type: 'string', minLength: 1, description: 'Product id to grade; default: the draft order\'s product (order hooks) or the most recently administered product (other hooks).' },
    orderFact: { type: 'string', minLength: 1, description: 'Name of the draftOrder fact that gives the ordered product (default: the first draft order for a product in the hook\'s default scope).' },
  }),
  output: factShape('Evidence grade for the product', {
    present: bool('True when a product is known and at least one indication is supported'),
    product: strOrNull('Product id', MAX.id),
    productLabel: strOrNull('Product label', MAX.label),
    indication: strOrNull('Chosen indication id', MAX.id),
    indicationLabel: str('Chosen indication label, or "No documented indication"', MAX.label),
    labelStatus: enumStrOrNull('Regulatory status of the product for the indication (default off-label)', ['on-label', 'off-label']),
    onLabel: bool('labelStatus is "on-label"'),
    baseScore: numOrNull('Base score of the indication for the product'),
    score: numOrNull('Score after modifiers'),
    grade: strOrNull('Grade id', 30),
    gradeLabel: str('Grade label, or "No documented indication"', MAX.label),
    factors: list(
      'What made the score: the base rationale first, then each applied modifier',
      obj('A factor', {
        text: str('Rationale or modifier text', MAX.text),
        delta: num('Base score for the rationale; the applied change for a modifier'),
        modifier: strOrNull('Modifier id (null for the base rationale)', MAX.id),
      }),
    ),
    factorsText: str('Factors joined by "; ", e.g. "Low-quality RCT evidence (base 2); No comorbid MDD (-1)"', MAX.list),
    citations: list('Citation ids of the chosen indication and the applied modifiers', str('citation id', MAX.id)),
    supported: list('Ids of every supported indication (criteria hold, base score for the product)', str('indication id', MAX.id)),
    tieText: str('When other supported indications had the same base score: which, and how the chosen one was preferred (declared priority, or list order); "" when there was no tie', MAX.text),
    supportedText: str('Labels of the supported indications joined by ", "', 400),
    scores: list(
      'Every supported indication scored, chosen first',
      obj('A scored indication', {
        indication: str('Indication id', MAX.id),
        label: str('Indication label', MAX.label),
        baseScore: num('Base score'),
        score: num('Score after modifiers'),
        grade: strOrNull('Grade id', 30),
        gradeLabel: str('Grade label', MAX.label),
        labelStatus: enumStr('on-label or off-label', ['on-label', 'off-label']),
      }),
    ),
    scoresText: str('Every supported indication with its score and grade (id, else label), chosen first, joined by "; ", e.g. "Treatment-resistant depression: 3 (supported); PTSD outcome: 2 (limited)"; "" when none', 400),
    text: str('"<indication>: <grade label> (score <n>, <label status>)"', MAX.text),
  }),
  async compute(decl, ctx): Promise<FactValue> {
    const model: EvidenceModel | undefined = ctx.ruleSet.evidence;
    if (!model) throw new FactParameterError(`${describeDeclaration(decl, ctx)}: the rule set has no "evidence" model`);
    const productId = await resolveProduct(decl, ctx);
    if (!productId) return absent(null, null, 'No product order or administration to grade');
    const product = ctx.ruleSet.products[productId];
    const productLabel = clip(product.label, MAX.label);

    const named: Record<string, TopLevelCondition> = {};
    for (const ind of model.indications) {
      if (typeof ind.baseScore?.[productId] === 'number') named[`indication:${ind.id}`] = ind.criteria;
    }
    for (const mod of model.modifiers ?? []) named[`modifier:${mod.id}`] = mod.when;
    const held = await evaluateNamedConditions(named, ctx);

    const scored: Scored[] = [];
    for (const ind of model.indications) {
      if (!held[`indication:${ind.id}`]) continue;
      const base = ind.baseScore[productId];
      let score = base;
      const factors: Factor[] = [{ text: clip(ind.rationale, MAX.text), delta: base, modifier: null }];
      const citations = [...ind.citations];
      const reads = conditionFacts(ind.criteria);
      for (const mod of model.modifiers ?? []) {
        if (!held[`modifier:${mod.id}`]) continue;
        if (mod.appliesTo.length > 0 && !mod.appliesTo.includes(ind.id)) continue;
        const next = Math.max(score + mod.delta, Math.min(mod.floor ?? Number.NEGATIVE_INFINITY, score));
        factors.push({ text: clip(mod.text, MAX.text), delta: Math.round((next - score) * 1000) / 1000, modifier: mod.id });
        score = next;
        citations.push(...mod.citations);
        reads.push(...conditionFacts(mod.when));
      }
      const grade = gradeFor(model.grades, score);
      scored.push({
        indication: ind.id,
        label: ind.label,
        baseScore: base,
        score,
        grade: grade?.grade ?? null,
        gradeLabel: grade?.label ?? 'Below every grade threshold',
        labelStatus: product.labelStatus?.[ind.id] ?? 'off-label',
        factors,
        citations: [...new Set(citations)],
        reads: [...new Set(reads)],
        priority: ind.priority ?? 0,
      });
    }
    if (scored.length === 0) return absent(productId, productLabel, `${NO_INDICATION} for ${product.label}`);

    // Highest base score wins. Ties: declared priority ("priority"), else model order (the sort is stable).
    const byPriority = model.tieBreak === 'priority';
    const ranked = [...scored].sort((a, b) => b.baseScore - a.baseScore || (byPriority ? b.priority - a.priority : 0));
    const chosen = ranked[0];
    const tied = ranked.slice(1).filter((s) => s.baseScore === chosen.baseScore);
    const tieText =
      tied.length === 0
        ? ''
        : `Same base score (${formatScore(chosen.baseScore)}) as ${tied.map((t) => t.label).join(', ')}: ${
            byPriority ? `${chosen.label} is preferred by the evidence model's declared priority` : `${chosen.label} comes first in the evidence model`
          }`;
    const readValues = await Promise.all(chosen.reads.map((name) => ctx.fact(name)));
    return {
      present: true,
      product: productId,
      productLabel,
      indication: chosen.indication,
      indicationLabel: clip(chosen.label, MAX.label),
      labelStatus: chosen.labelStatus,
      onLabel: chosen.labelStatus === 'on-label',
      baseScore: chosen.baseScore,
      score: chosen.score,
      grade: chosen.grade,
      gradeLabel: clip(chosen.gradeLabel, MAX.label),
      factors: chosen.factors,
      factorsText: joinClipped(
        chosen.factors.map((f) => (f.modifier === null ? `${f.text} (base ${f.delta})` : `${f.text} (${signed(f.delta)})`)),
        MAX.list,
      ),
      citations: chosen.citations,
      supported: scored.map((s) => s.indication),
      supportedText: clip(scored.map((s) => s.label).join(', '), 400),
      tieText: clip(tieText, MAX.text),
      scores: ranked.map((s) => ({
        indication: s.indication,
        label: clip(s.label, MAX.label),
        baseScore: s.baseScore,
        score: s.score,
        grade: s.grade,
        gradeLabel: clip(s.gradeLabel, MAX.label),
        labelStatus: s.labelStatus,
      })),
      scoresText: clip(ranked.map((sc) => `${sc.label}: ${formatScore(sc.score)} (${sc.grade ?? sc.gradeLabel})`).join('; '), 400),
      text: clip(`${chosen.label}: ${chosen.gradeLabel} (score ${chosen.score}, ${chosen.labelStatus})`, MAX.text),
      refs: uniqueRefs(...readValues.map((v) => v.refs)),
    };
  },
};
