/**
 * `draftOrder`: the draft order for one of the rule set's products (ctx.ruleSet.products), from the
 * hook's draftOrders.
 *
 *  - Scope: "selected" = only draft orders named in the order-select `selections`; "all" = every draft
 *    order. Default: "selected" on order-select, "all" on the other hooks.
 *  - The first draft MedicationRequest in scope whose medication (medicationCodeableConcept, or the
 *    contained/record Medication's code, then its ingredient codes) is in a product's value set wins;
 *    products are tried in rule-set order. Orders for anything else: present false.
 *  - Route: dosageInstruction[0].route matched against each value set of `routeValueSets`
 *    (route name -> value set id), in the declaration's order; "unknown" when none matches.
 *  - Dose: dosageInstruction[0].doseAndRate[0].doseQuantity (or doseRange.high). Units: mg, g, ug/mcg
 *    -> doseMg; mg/kg -> dosePerKg (and doseMg = dosePerKg × weight when `weightFact` gives a weight).
 *    dosePerKg from an mg dose = doseMg / weight kg, rounded to 2 decimals. With `weightBasedProducts`,
 *    the weight is used only for those products (a fixed-dose device gets no mg/kg).
 *  - Frequency: timing.repeat frequency (default 1) per period/periodUnit, as doses per week (2 dp).
 *  - Compounded (the FDA 2023 compounded-ketamine concern): true when any coding in
 *    Medication.form, Medication.code, MedicationRequest.category, or an extension's
 *    valueCodeableConcept/valueCoding on the Medication or the MedicationRequest is in
 *    `compoundedValueSet`; or when `compoundedTexts` are given and one of them occurs
 *    (case-insensitively) in Medication.form.text, Medication.code.text, the medication concept's text
 *    or a MedicationRequest note.
 *  - Reasons: reasonCode codings and the codes of the Conditions reasonReference points to
 *    (`reasonCodes`, `reasonList`); category codings (`categoryCodes`, `categoryText`).
 *  - psychiatricContext from `psychiatricReasonValueSet` / `nonPsychiatricReasonValueSet`
 *    (support/order-reasons.ts): false only when a reason is clearly non-psychiatric; no reason at all
 *    is assumed psychiatric (the services are deployed for psychiatric ordering contexts).
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext, FactKind, FactValue } from '../evaluation-types.js';
import { codingsOf, conceptMatch, displayOf, firstMatch, refOf, valueSetEntry } from './support/codes.js';
import { defaultScope, findDraftProductOrder, type OrderScope } from './support/products.js';
import {
  enumString,
  optionalFactName,
  optionalStringList,
  optionalValueSetParam,
  paramsSchema,
  requiredStringMap,
  stringOrParamSchema,
  valueSetSchema,
  PARAM_REFERENCE_SCHEMA,
  FactParameterError,
  describeDeclaration,
} from './support/params.js';
import { MAX, bool, boolOrNull, clip, factShape, list, numOrNull, obj, str, strOrNull, round, enumStrOrNull, uniqueRefs } from './support/shape.js';
import { PSYCHIATRIC_CONTEXT_BASES, orderReasons, psychiatricContextOf } from './support/order-reasons.js';

const MG_PER_UNIT: Readonly<Record<string, number>> = Object.freeze({ mg: 1, g: 1000, ug: 0.001, mcg: 0.001, '[ug]': 0.001 });
const PER_KG_UNITS = ['mg/kg', 'mg/kg{body weight}'];
const DAYS_PER_PERIOD_UNIT: Readonly<Record<string, number>> = Object.freeze({
  s: 1 / 86400,
  min: 1 / 1440,
  h: 1 / 24,
  d: 1,
  wk: 7,
  mo: 30,
  a: 365,
});

export interface DoseSummary {
  doseValue: number | null;
  doseUnit: string | null;
  doseMg: number | null;
  dosePerKg: number | null;
  /** True when the order was written per kg (mg/kg). */
  perKgOrdered: boolean;
}

export function doseSummary(dosage: fhir4.Dosage | undefined, weightKg: number | null): DoseSummary {
  const rate = dosage?.doseAndRate?.[0];
  const q = rate?.doseQuantity ?? rate?.doseRange?.high;
  if (!q || typeof q.value !== 'number') return { doseValue: null, doseUnit: null, doseMg: null, dosePerKg: null, perKgOrdered: false };
  const unit = q.code ?? q.unit ?? '';
  const factor = MG_PER_UNIT[unit];
  if (factor !== undefined) {
    const doseMg = round(q.value * factor, 3);
    return { doseValue: q.value, doseUnit: q.unit ?? unit, doseMg, dosePerKg: weightKg ? round(doseMg / weightKg, 2) : null, perKgOrdered: false };
  }
  if (PER_KG_UNITS.includes(unit)) {
    return { doseValue: q.value, doseUnit: q.unit ?? unit, doseMg: weightKg ? round(q.value * weightKg, 1) : null, dosePerKg: q.value, perKgOrdered: true };
  }
  return { doseValue: q.value, doseUnit: q.unit ?? (unit || null), doseMg: null, dosePerKg: null, perKgOrdered: false };
}

export function frequencyPerWeek(dosage: fhir4.Dosage | undefined): number | null {
  const repeat = dosage?.timing?.repeat;
  if (!repeat || typeof repeat.period !== 'number' || !repeat.periodUnit) return null;
  const days = repeat.period * (DAYS_PER_PERIOD_UNIT[repeat.periodUnit] ?? NaN);
  if (!Number.isFinite(days) || days <= 0) return null;
  return round(((repeat.frequency ?? 1) * 7) / days, 2);
}

function extensionCodings(extensions: readonly fhir4.Extension[] | undefined): fhir4.Coding[] {
  const out: fhir4.Coding[] = [];
  for (const e of extensions ?? []) {
    if (e.valueCodeableConcept) out.push(...codingsOf(e.valueCodeableConcept));
    if (e.valueCoding?.code) out.push(e.valueCoding);
  }
  return out;
}

type CompoundedSignal = 'form' | 'code' | 'category' | 'extension' | 'text';

function compoundedSignal(
  ctx: FactContext,
  order: fhir4.MedicationRequest,
  medication: fhir4.Medication | undefined,
  valueSet: string | undefined,
  texts: readonly string[] | undefined,
): CompoundedSignal | null {
  if (valueSet) {
    if (firstMatch(ctx, valueSet, codingsOf(medication?.form))) return 'form';
    if (firstMatch(ctx, valueSet, codingsOf(medication?.code))) return 'code';
    if (firstMatch(ctx, valueSet, codingsOf(...(order.category ?? [])))) return 'category';
    if (firstMatch(ctx, valueSet, [...extensionCodings(medication?.extension), ...extensionCodings(order.extension)])) return 'extension';
  }
  if (texts && texts.length > 0) {
    const haystacks = [
      medication?.form?.text,
      medication?.code?.text,
      order.medicationCodeableConcept?.text,
      ...(order.note ?? []).map((n) => n.text),
    ]
      .filter((t): t is string => typeof t === 'string')
      .map((t) => t.toLowerCase());
    if (texts.some((word) => haystacks.some((h) => h.includes(word.toLowerCase())))) return 'text';
  }
  return null;
}

function formatNumber(n: number): string {
  return String(round(n, 2));
}

/** "0.5 mg/kg (35 mg)", "56 mg (0.8 mg/kg)", "2 puffs" or "dose not given". */
function describeDose(dose: DoseSummary): string {
  if (dose.doseValue === null) return 'dose not given';
  if (dose.perKgOrdered) {
    return `${formatNumber(dose.doseValue)} mg/kg${dose.doseMg !== null ? ` (${formatNumber(dose.doseMg)} mg)` : ''}`;
  }
  if (dose.doseMg !== null) return `${formatNumber(dose.doseMg)} mg${dose.dosePerKg !== null ? ` (${formatNumber(dose.dosePerKg)} mg/kg)` : ''}`;
  if (dose.dosePerKg !== null) return `${formatNumber(dose.dosePerKg)} mg/kg`;
  return `${dose.doseValue} ${dose.doseUnit ?? ''}`.trim();
}

const ABSENT = {
  present: false, product: null, productLabel: null, code: null, system: null, display: null, route: null,
  routeText: null, doseValue: null, doseUnit: null, doseMg: null, dosePerKg: null, dosePerKgText: '', weightKg: null,
  frequencyPerWeek: null, frequencyText: '', status: null, intent: null, compounded: false, compoundedSignal: null,
  reasonCodes: [], reasonList: '', categoryCodes: [], categoryText: '', psychiatricContext: null, psychiatricContextBasis: null,
  text: 'no order for a recognised product', ref: null,
};

/** A coding as output ({system, code, display}); usable with the inValueSet operator. */
const CODING_SHAPE = obj('A coding', {
  system: strOrNull('Code system', MAX.system),
  code: str('Code', MAX.code),
  display: strOrNull('Display', MAX.display),
});

const REASON_LIST_MAX = 300;

export const draftOrderKind: FactKind = {
  kind: 'draftOrder',
  description:
    "The hook's draft MedicationRequest for one of the rule set's products: product, route, dose (mg and mg/kg), frequency per week, compounded flag.",
  paramsSchema: paramsSchema(
    'draftOrder',
    {
      scope: stringOrParamSchema('"selected" (only orders in order-select selections) or "all"; default: selected on order-select, all otherwise.', ['selected', 'all']),
      routeValueSets: {
        type: 'object',
        description: 'Route name -> value set id of route codes, e.g. {"intravenous": "route-iv", "nasal": "route-nasal"}; checked in this order.',
        additionalProperties: { anyOf: [{ type: 'string', minLength: 1 }, PARAM_REFERENCE_SCHEMA] },
        minProperties: 1,
      },
      weightFact: { type: 'string', minLength: 1, description: 'Name of a bodyWeight fact, for mg <-> mg/kg.' },
      weightBasedProducts: {
        type: 'array',
        'x-references': 'product',
        description: 'Product ids dosed by weight: only their orders get mg <-> mg/kg conversion (dosePerKg, weightKg, "(0.8 mg/kg)" in text). Default: every product. A fixed-dose product (e.g. a nasal spray device) is left out so that no mg/kg is shown for it.',
        items: { type: 'string', minLength: 1 },
      },
      compoundedValueSet: valueSetSchema('Codes marking a compounded preparation (Medication.form/code, MedicationRequest.category, or extension values).'),
      compoundedTexts: {
        type: 'array',
        description: 'Words that mark a compounded preparation in Medication.form.text, Medication.code.text, medication text or order notes (case-insensitive).',
        items: { type: 'string', minLength: 1 },
      },
      psychiatricReasonValueSet: valueSetSchema('Order reasons (reasonCode, or the code of a reasonReference Condition) that make the order psychiatric: psychiatricContext true.'),
      nonPsychiatricReasonValueSet: valueSetSchema(
        'Order reasons that are clearly not psychiatric (e.g. anaesthesia, procedural sedation, pain): psychiatricContext false unless a psychiatric reason is also given.',
      ),
    },
    ['routeValueSets'],
  ),
  output: factShape('The draft order for a recognised product', {
    present: bool('True when a draft order in scope is for one of the rule set products'),
    product: strOrNull('Product id (key of the rule set products)', MAX.id),
    productLabel: strOrNull('Product label', MAX.label),
    code: strOrNull('The medication code that matched the product', MAX.code),
    system: strOrNull('Its code system', MAX.system),
    display: strOrNull('Display of the ordered medication (coding display, else value-set entry display, else medication text, else code)', MAX.display),
    route: strOrNull('Route name (a key of routeValueSets) or "unknown"', MAX.id),
    routeText: strOrNull('Route as ordered (text, display or code)', MAX.label),
    doseValue: numOrNull('Dose value as ordered'),
    doseUnit: strOrNull('Dose unit as ordered', 30),
    doseMg: numOrNull('Dose in mg (from mg/g/ug, or mg/kg × weight)'),
    dosePerKg: numOrNull('Dose in mg/kg (as ordered, or doseMg / weight, 2 decimals)'),
    dosePerKgText: str('"0.5 mg/kg" or "" when unknown', 40),
    weightKg: numOrNull('Weight used for mg/kg (from weightFact)'),
    frequencyPerWeek: numOrNull('Doses per week from timing.repeat (2 decimals)'),
    frequencyText: str('"2 per week" or "" when unknown', 30),
    status: strOrNull('MedicationRequest.status', MAX.status),
    intent: strOrNull('MedicationRequest.intent', MAX.status),
    compounded: bool('True when a compounded-preparation signal is present'),
    compoundedSignal: enumStrOrNull('Which signal marked it compounded', ['form', 'code', 'category', 'extension', 'text']),
    reasonCodes: list('The order\'s reasons: reasonCode codings, then the codes of the Conditions reasonReference points to', CODING_SHAPE),
    reasonList: str('"<code> <display>" per reason, joined by "; " ("" when none)', REASON_LIST_MAX),
    categoryCodes: list('MedicationRequest.category codings (e.g. inpatient, outpatient, community)', CODING_SHAPE),
    categoryText: str('Category codes or text joined by ", " ("" when none)', 120),
    psychiatricContext: boolOrNull(
      'False only when the order\'s reason is clearly non-psychiatric (in nonPsychiatricReasonValueSet and none in psychiatricReasonValueSet); true otherwise, including no reason at all (assumed psychiatric); null without an order',
    ),
    psychiatricContextBasis: enumStrOrNull('What decided psychiatricContext', PSYCHIATRIC_CONTEXT_BASES),
    text: str('"<display>, <dose> <route>, <n> per week"', MAX.text),
    ref: strOrNull('MedicationRequest/id of the draft order', MAX.id + 20),
  }),
  async compute(decl, ctx): Promise<FactValue> {
    const scope = enumString<OrderScope>(decl, 'scope', ctx, ['selected', 'all'], defaultScope(ctx));
    const routeValueSets = requiredStringMap(decl, 'routeValueSets', ctx);
    for (const [name, vs] of Object.entries(routeValueSets)) {
      if (!Object.prototype.hasOwnProperty.call(ctx.ruleSet.valueSets ?? {}, vs)) {
        throw new FactParameterError(`${describeDeclaration(decl, ctx)}: routeValueSets.${name} names value set "${vs}", which the rule set does not define`);
      }
    }
    const weightFact = optionalFactName(decl, 'weightFact', ctx, ['bodyWeight']);
    const compoundedVs = optionalValueSetParam(decl, 'compoundedValueSet', ctx);
    const compoundedTexts = optionalStringList(decl, 'compoundedTexts', ctx);
    const psychiatricVs = optionalValueSetParam(decl, 'psychiatricReasonValueSet', ctx);
    const nonPsychiatricVs = optionalValueSetParam(decl, 'nonPsychiatricReasonValueSet', ctx);

    const found = findDraftProductOrder(ctx, scope);
    if (!found) return { ...ABSENT, refs: [] };
    const { order, medication, productId, product, match } = found;
    const dosage = order.dosageInstruction?.[0];

    let route = 'unknown';
    for (const [name, vs] of Object.entries(routeValueSets)) {
      if (conceptMatch(ctx, vs, dosage?.route)) {
        route = name;
        break;
      }
    }
    const routeCoding = dosage?.route?.coding?.find((c) => c.code);
    const routeText = dosage?.route?.text ?? routeCoding?.display ?? routeCoding?.code ?? null;

    const weightBased = optionalStringList(decl, 'weightBasedProducts', ctx);
    let weightKg: number | null = null;
    const weightRefs: string[] = [];
    if (weightFact && (weightBased === undefined || weightBased.includes(productId))) {
      const weight = await ctx.fact(weightFact);
      if (typeof weight.kg === 'number' && weight.kg > 0) {
        weightKg = weight.kg;
        weightRefs.push(...weight.refs);
      }
    }
    const dose = doseSummary(dosage, weightKg);
    const perWeek = frequencyPerWeek(dosage);
    const signal = compoundedSignal(ctx, order, medication.medication, compoundedVs, compoundedTexts);
    const display = clip(displayOf(match, valueSetEntry(ctx.ruleSet.valueSets[product.valueSet], match.system, match.code), medication.text), MAX.display);
    const dosePerKgText = dose.dosePerKg !== null ? `${formatNumber(dose.dosePerKg)} mg/kg` : '';
    const doseText = describeDose(dose);
    const frequencyText = perWeek !== null ? `${formatNumber(perWeek)} per week` : '';
    const ref = refOf(order) ?? null;
    const why = orderReasons(order, ctx.record);
    const context = psychiatricContextOf(ctx, why, psychiatricVs, nonPsychiatricVs);
    const reasonCodes = why.reasons.map((r) => ({
      system: r.system === null ? null : clip(r.system, MAX.system),
      code: clip(r.code, MAX.code),
      display: r.display === null ? null : clip(r.display, MAX.display),
    }));
    const categories = (order.category ?? []).flatMap((c): Array<{ coding?: fhir4.Coding; text: string }> => {
      const codings = codingsOf(c);
      if (codings.length > 0) return codings.map((x) => ({ coding: x, text: x.display ?? x.code! }));
      return c.text ? [{ text: c.text }] : [];
    });
    return {
      present: true,
      product: productId,
      productLabel: clip(product.label, MAX.label),
      code: match.code,
      system: match.system ?? null,
      display,
      route,
      routeText: routeText ? clip(routeText, MAX.label) : null,
      doseValue: dose.doseValue,
      doseUnit: dose.doseUnit,
      doseMg: dose.doseMg,
      dosePerKg: dose.dosePerKg,
      dosePerKgText,
      weightKg,
      frequencyPerWeek: perWeek,
      frequencyText,
      status: order.status,
      intent: order.intent,
      compounded: signal !== null,
      compoundedSignal: signal,
      text: clip(
        [display, doseText, route === 'unknown' ? (routeText ?? 'route not given') : route, frequencyText].filter((t) => t !== '').join(', '),
        MAX.text,
      ),
      reasonCodes,
      reasonList: clip(
        [...why.reasons.map((r) => (r.display && r.display !== r.code ? `${r.code} ${r.display}` : r.code)), ...why.unresolved.map((u) => `${u} (not found)`)].join('; '),
        REASON_LIST_MAX,
      ),
      categoryCodes: categories.flatMap((c) =>
        c.coding ? [{ system: c.coding.system ? clip(c.coding.system, MAX.system) : null, code: clip(c.coding.code!, MAX.code), display: c.coding.display ? clip(c.coding.display, MAX.display) : null }] : [],
      ),
      categoryText: clip(categories.map((c) => c.text).join(', '), 120),
      psychiatricContext: context.psychiatricContext,
      psychiatricContextBasis: context.basis,
      ref,
      refs: uniqueRefs(ref ? [ref] : [], weightRefs, why.refs),
    };
  },
};
