/**
 * `pregnancy`: pregnancy and lactation status for embryo-fetal and breastfeeding cautions.
 *
 * Signals (each from a value set in the declaration):
 *  - an active pregnancy Condition (conditionValueSet) -> pregnant;
 *  - the latest pregnancy-status Observation (statusObservationValueSet) at most testValidDays old,
 *    whose answer (valueCodeableConcept) is in pregnantAnswerValueSet -> pregnant, in
 *    notPregnantAnswerValueSet -> not pregnant;
 *  - the latest hCG test (testValueSet) at most testValidDays old: answer or interpretation in
 *    positiveAnswerValueSet -> pregnant, in negativeAnswerValueSet -> not pregnant; a numeric result
 *    is positive when >= quantitativePositiveMin (and negative below it) if that parameter is given,
 *    otherwise "indeterminate".
 * Combination (conservative): any current "pregnant" signal makes the status "pregnant"; otherwise a
 * current "not pregnant" signal makes it "not-pregnant"; otherwise "unknown".
 * lactating: an active Condition in lactationValueSet.
 * relevant: administrative gender in relevantGenders (default ["female"]) and age within
 * [reproductiveAgeMin, reproductiveAgeMax] (inclusive), or any current pregnancy signal (condition,
 * current status observation or current test).
 */
import type { FactKind, FactValue } from '../evaluation-types.js';
import { firstMatch } from './support/codes.js';
import { matchingConditions } from './support/condition-records.js';
import { ageDays, displayDate } from './support/dates.js';
import { answerCodings, matchingObservations, type MatchedObservation } from './support/observations.js';
import {
  numberOrParamSchema,
  optionalNumber,
  optionalStringList,
  paramsSchema,
  requiredNumber,
  valueSetParam,
  valueSetSchema,
} from './support/params.js';
import { MAX, bool, enumStr, enumStrOrNull, factShape, intOrNull, str, uniqueRefs, clip, list, dateStrOrNull } from './support/shape.js';
import { ageInYears } from './patient.js';

type Status = 'pregnant' | 'not-pregnant' | 'unknown';
type TestResult = 'positive' | 'negative' | 'indeterminate';

export const pregnancyKind: FactKind = {
  kind: 'pregnancy',
  description:
    'Pregnancy status (pregnant / not-pregnant / unknown) from pregnancy conditions, pregnancy-status observations and recent hCG tests; lactation from conditions; whether the question is relevant (gender and reproductive age).',
  paramsSchema: paramsSchema(
    'pregnancy',
    {
      conditionValueSet: valueSetSchema('Pregnancy condition codes (active condition = pregnant).'),
      lactationValueSet: valueSetSchema('Lactation condition codes (active condition = lactating).'),
      statusObservationValueSet: valueSetSchema('Pregnancy-status observation codes.'),
      pregnantAnswerValueSet: valueSetSchema('Answers to the status observation meaning pregnant.'),
      notPregnantAnswerValueSet: valueSetSchema('Answers to the status observation meaning not pregnant.'),
      testValueSet: valueSetSchema('hCG test codes.'),
      positiveAnswerValueSet: valueSetSchema('Test answers/interpretations meaning positive.'),
      negativeAnswerValueSet: valueSetSchema('Test answers/interpretations meaning negative.'),
      reproductiveAgeMin: numberOrParamSchema('Lowest age (years, inclusive) of the reproductive age range.'),
      reproductiveAgeMax: numberOrParamSchema('Highest age (years, inclusive) of the reproductive age range.'),
      testValidDays: numberOrParamSchema('A test or status observation at most this many days old is current.'),
      quantitativePositiveMin: numberOrParamSchema('Numeric hCG results at or above this are positive, below negative (omit to treat numeric results as indeterminate).'),
      relevantGenders: {
        description: 'Administrative genders for which pregnancy is asked about (default ["female"]).',
        type: 'array',
        items: { type: 'string', enum: ['male', 'female', 'other', 'unknown'] },
      },
    },
    [
      'conditionValueSet',
      'lactationValueSet',
      'statusObservationValueSet',
      'pregnantAnswerValueSet',
      'notPregnantAnswerValueSet',
      'testValueSet',
      'positiveAnswerValueSet',
      'negativeAnswerValueSet',
      'reproductiveAgeMin',
      'reproductiveAgeMax',
      'testValidDays',
    ],
  ),
  output: factShape('Pregnancy and lactation status', {
    status: enumStr('"pregnant", "not-pregnant" or "unknown"', ['pregnant', 'not-pregnant', 'unknown']),
    pregnant: bool('status is "pregnant"'),
    known: bool('status is not "unknown"'),
    lactating: bool('An active lactation condition exists'),
    relevant: bool('Gender in relevantGenders and age in the reproductive range, or any current pregnancy signal'),
    basis: list('What decided the status', enumStr('A signal', ['condition', 'status-observation', 'test'])),
    lastTestDate: dateStrOrNull('Date of the latest hCG test (any age)'),
    lastTestAgeDays: intOrNull('Whole days from lastTestDate to now'),
    lastTestResult: enumStrOrNull('Result of the latest hCG test', ['positive', 'negative', 'indeterminate']),
    lastTestCurrent: bool('The latest test is at most testValidDays old'),
    text: str('Status for display, e.g. "Not pregnant: negative hCG on 2026-10-28"', MAX.text),
  }),
  compute(decl, ctx): FactValue {
    const conditionVs = valueSetParam(decl, 'conditionValueSet', ctx);
    const lactationVs = valueSetParam(decl, 'lactationValueSet', ctx);
    const statusVs = valueSetParam(decl, 'statusObservationValueSet', ctx);
    const pregnantAnswerVs = valueSetParam(decl, 'pregnantAnswerValueSet', ctx);
    const notPregnantAnswerVs = valueSetParam(decl, 'notPregnantAnswerValueSet', ctx);
    const testVs = valueSetParam(decl, 'testValueSet', ctx);
    const positiveVs = valueSetParam(decl, 'positiveAnswerValueSet', ctx);
    const negativeVs = valueSetParam(decl, 'negativeAnswerValueSet', ctx);
    const ageMin = requiredNumber(decl, 'reproductiveAgeMin', ctx);
    const ageMax = requiredNumber(decl, 'reproductiveAgeMax', ctx);
    const validDays = requiredNumber(decl, 'testValidDays', ctx);
    const quantitativeMin = optionalNumber(decl, 'quantitativePositiveMin', ctx);
    const genders = optionalStringList(decl, 'relevantGenders', ctx) ?? ['female'];

    const current = (m: MatchedObservation): boolean => {
      const age = ageDays(m.date, ctx.now);
      return age !== null && age <= validDays;
    };

    const pregnancyConditions = matchingConditions(ctx, conditionVs, 'active');
    const lactationConditions = matchingConditions(ctx, lactationVs, 'active');

    const statusObservations = matchingObservations(ctx, statusVs);
    const latestStatus = statusObservations[statusObservations.length - 1];
    let statusAnswer: 'pregnant' | 'not-pregnant' | undefined;
    if (latestStatus && current(latestStatus)) {
      const codings = answerCodings(latestStatus);
      if (firstMatch(ctx, pregnantAnswerVs, codings)) statusAnswer = 'pregnant';
      else if (firstMatch(ctx, notPregnantAnswerVs, codings)) statusAnswer = 'not-pregnant';
    }

    const tests = matchingObservations(ctx, testVs);
    const lastTest = tests[tests.length - 1];
    let lastTestResult: TestResult | null = null;
    if (lastTest) {
      const codings = answerCodings(lastTest);
      if (firstMatch(ctx, positiveVs, codings)) lastTestResult = 'positive';
      else if (firstMatch(ctx, negativeVs, codings)) lastTestResult = 'negative';
      else if (lastTest.value.kind === 'quantity' && quantitativeMin !== undefined) {
        lastTestResult = lastTest.value.value >= quantitativeMin ? 'positive' : 'negative';
      } else lastTestResult = 'indeterminate';
    }
    const lastTestCurrent = lastTest !== undefined && current(lastTest);

    const basis: Array<'condition' | 'status-observation' | 'test'> = [];
    let status: Status = 'unknown';
    if (pregnancyConditions.length > 0) basis.push('condition');
    if (statusAnswer === 'pregnant') basis.push('status-observation');
    if (lastTestCurrent && lastTestResult === 'positive') basis.push('test');
    if (basis.length > 0) status = 'pregnant';
    else {
      if (statusAnswer === 'not-pregnant') basis.push('status-observation');
      if (lastTestCurrent && lastTestResult === 'negative') basis.push('test');
      if (basis.length > 0) status = 'not-pregnant';
    }

    const patient = ctx.record.patient;
    const age = ageInYears(patient?.birthDate, ctx.now);
    const inRange = age !== null && age >= ageMin && age <= ageMax;
    const anySignal = pregnancyConditions.length > 0 || statusAnswer !== undefined || lastTestCurrent;
    const relevant = (genders.includes(patient?.gender ?? 'unknown') && inRange) || anySignal;

    const testText = lastTest
      ? `${lastTestResult === 'indeterminate' ? 'indeterminate' : lastTestResult} hCG on ${displayDate(lastTest.date, ctx.now)}`
      : 'no hCG test recorded';
    let text: string;
    if (status === 'pregnant') {
      const why = basis.includes('condition')
        ? `active pregnancy condition ${pregnancyConditions[0].match.code}`
        : basis.includes('test')
          ? testText
          : `pregnancy status recorded on ${displayDate(latestStatus?.date, ctx.now)}`;
      text = `Pregnant: ${why}`;
    } else if (status === 'not-pregnant') {
      text = basis.includes('test') ? `Not pregnant: ${testText}` : `Not pregnant: status recorded on ${displayDate(latestStatus?.date, ctx.now)}`;
    } else {
      text = `Pregnancy status unknown: no current result within ${validDays} days (${lastTest ? `last: ${testText}` : testText})`;
    }
    if (lactationConditions.length > 0) text += '; lactating';

    return {
      status,
      pregnant: status === 'pregnant',
      known: status !== 'unknown',
      lactating: lactationConditions.length > 0,
      relevant,
      basis,
      lastTestDate: lastTest?.date ?? null,
      lastTestAgeDays: lastTest ? ageDays(lastTest.date, ctx.now) : null,
      lastTestResult,
      lastTestCurrent,
      text: clip(text, MAX.text),
      refs: uniqueRefs(
        pregnancyConditions.map((c) => (c.condition.id ? `Condition/${c.condition.id}` : undefined)),
        lactationConditions.map((c) => (c.condition.id ? `Condition/${c.condition.id}` : undefined)),
        [latestStatus && statusAnswer ? latestStatus.ref : undefined, lastTest?.ref],
      ),
    };
  },
};
