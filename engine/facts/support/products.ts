/**
 * Recognising the rule set's products (ctx.ruleSet.products) in draft orders and in administration
 * history, and listing administrations of a schedule. Shared by draftOrder, evidence and
 * maintenanceTiming so that all three agree on "the product".
 */
import type * as fhir4 from 'fhir/r4.js';
import type { FactContext } from '../../evaluation-types.js';
import type { Product } from '../../rule-set-types.js';
import { codingsOf, firstMatch, refOf, type CodeMatch } from './codes.js';
import { notAfter, parseFhirDate } from './dates.js';
import { medicationConcepts, type MedicationConcepts } from './medications.js';
import { optionalFactName } from './params.js';

export type OrderScope = 'selected' | 'all';

export interface ProductMatch {
  productId: string;
  product: Product;
  match: CodeMatch;
}

/** The first product (in rule-set order) whose value set holds one of the concepts' codings. */
export function matchProduct(ctx: FactContext, concepts: readonly fhir4.CodeableConcept[]): ProductMatch | undefined {
  const codings = codingsOf(...concepts);
  for (const [productId, product] of Object.entries(ctx.ruleSet.products ?? {})) {
    const match = firstMatch(ctx, product.valueSet, codings);
    if (match) return { productId, product, match };
  }
  return undefined;
}

/** The default order scope: only the selected orders on order-select, every draft order otherwise. */
export function defaultScope(ctx: FactContext): OrderScope {
  return ctx.hook === 'order-select' ? 'selected' : 'all';
}

export interface DraftProductOrder extends ProductMatch {
  order: fhir4.MedicationRequest;
  medication: MedicationConcepts;
}

/** The first draft MedicationRequest in scope whose medication is one of the rule set's products. */
export function findDraftProductOrder(ctx: FactContext, scope: OrderScope): DraftProductOrder | undefined {
  const selections = new Set(ctx.record.selections);
  for (const resource of ctx.record.draftOrders) {
    if (resource.resourceType !== 'MedicationRequest') continue;
    const order = resource as fhir4.MedicationRequest;
    if (scope === 'selected') {
      const ref = refOf(order);
      if (!ref || !selections.has(ref)) continue;
    }
    const medication = medicationConcepts(order, ctx.record);
    const product = matchProduct(ctx, medication.concepts);
    if (product) return { ...product, order, medication };
  }
  return undefined;
}

/** One recorded administration session (MedicationAdministration or Procedure). */
export interface Administration {
  date: string;
  instant: Date;
  ref?: string;
  resource: fhir4.MedicationAdministration | fhir4.Procedure;
  concepts: fhir4.CodeableConcept[];
}

const ADMINISTRATION_DONE = ['completed', 'in-progress'];
const PROCEDURE_DONE = ['completed'];

/**
 * Every administration recorded up to now: MedicationAdministration with status completed or
 * in-progress (date: effectiveDateTime or effectivePeriod.start) and Procedure with status completed
 * (date: performedDateTime or performedPeriod.start), oldest first. Records dated after now are
 * ignored (the record is read as it stood at `now`).
 */
export function allAdministrations(ctx: FactContext): Administration[] {
  const out: Administration[] = [];
  for (const ma of ctx.record.medicationAdministrations) {
    if (!ADMINISTRATION_DONE.includes(ma.status)) continue;
    const date = ma.effectiveDateTime ?? ma.effectivePeriod?.start;
    const instant = parseFhirDate(date);
    if (!date || !instant || !notAfter(date, ctx.now)) continue;
    out.push({ date, instant, ref: refOf(ma), resource: ma, concepts: medicationConcepts(ma, ctx.record).concepts });
  }
  for (const p of ctx.record.procedures) {
    if (!PROCEDURE_DONE.includes(p.status)) continue;
    const date = p.performedDateTime ?? p.performedPeriod?.start;
    const instant = parseFhirDate(date);
    if (!date || !instant || !notAfter(date, ctx.now)) continue;
    out.push({ date, instant, ref: refOf(p), resource: p, concepts: p.code ? [p.code] : [] });
  }
  return out.sort((a, b) => a.instant.getTime() - b.instant.getTime());
}

/** Administrations whose medication/procedure code is in the value set, oldest first. */
export function administrationsIn(ctx: FactContext, valueSetId: string): Administration[] {
  return allAdministrations(ctx).filter((a) => firstMatch(ctx, valueSetId, codingsOf(...a.concepts)) !== undefined);
}

/**
 * The product of the most recent administration: a MedicationAdministration whose medication is in a
 * product's value set, or any administration in the administrationValueSet of a product's schedule.
 */
export function latestAdministeredProduct(ctx: FactContext): (ProductMatch & { administration: Administration }) | undefined {
  const administrations = allAdministrations(ctx);
  for (let i = administrations.length - 1; i >= 0; i--) {
    const a = administrations[i];
    const codings = codingsOf(...a.concepts);
    const direct = matchProduct(ctx, a.concepts);
    if (direct) return { ...direct, administration: a };
    for (const [productId, product] of Object.entries(ctx.ruleSet.products ?? {})) {
      const schedule = product.schedule ? ctx.ruleSet.schedules?.[product.schedule] : undefined;
      if (!schedule) continue;
      const match = firstMatch(ctx, schedule.administrationValueSet, codings);
      if (match) return { productId, product, match, administration: a };
    }
  }
  return undefined;
}

/** Order hooks carry draft orders; the other hooks look at history. */
export function isOrderHook(ctx: FactContext): boolean {
  return ctx.hook === 'order-select' || ctx.hook === 'order-sign';
}

/**
 * The product a fact is about when its declaration names none: on order hooks the ordered product (from
 * the draftOrder fact named by `orderFact`, else the first draft order for a product in the hook's
 * default scope); on other hooks the most recently administered product.
 */
export async function productInContext(decl: Record<string, unknown>, ctx: FactContext): Promise<string | undefined> {
  if (!isOrderHook(ctx)) return latestAdministeredProduct(ctx)?.productId;
  const orderFact = optionalFactName(decl, 'orderFact', ctx, ['draftOrder']);
  if (orderFact === undefined) return findDraftProductOrder(ctx, defaultScope(ctx))?.productId;
  const order = await ctx.fact(orderFact);
  return order.present === true && typeof order.product === 'string' ? order.product : undefined;
}
