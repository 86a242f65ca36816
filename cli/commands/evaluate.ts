import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assemblePatientRecord, flattenResources, type KeyedResources } from '../../fhir/assemble-record.js';
import { isFailureOutcome } from '../../fhir/operation-outcome.js';
import type { PatientRecord } from '../../fhir/patient-record.js';
import type { Card, CdsServiceRequest } from '../../cds-hooks/wire-types.js';
import { compileRuleSet, type CompiledRuleSet } from '../../engine/compile-rule-set.js';
import { CARD_EXTENSION_KEY, type EvaluationResult, type ExplainedFact, type FiredRule } from '../../engine/evaluation-types.js';
import { parseJsonText } from '../../lib/json-text.js';
import { loadRuleSetFile } from '../../use-cases/load-rule-set-file.js';
import { formatProblem } from '../../engine/rule-set-problem.js';
import type { HookName, ServiceDefinition } from '../../engine/rule-set-types.js';
import { CliUsageError, type CliCommand, type CliIo } from '../cli-types.js';
import { ruleSetFoldersAt } from '../rule-set-workspace.js';

const HOOKS: readonly HookName[] = ['patient-view', 'order-select', 'order-sign', 'appointment-book'];

function readRequest(file: string): CdsServiceRequest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliUsageError(`cannot read request ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new CliUsageError(`${file}: JSON syntax error at line ${parsed.error.line}, column ${parsed.error.column}: ${parsed.error.message}`);
  const req = parsed.value as Partial<CdsServiceRequest>;
  const bad = (what: string): never => {
    throw new CliUsageError(`${file}: ${what}`);
  };
  if (req === null || typeof req !== 'object' || Array.isArray(req)) bad('a CDS Hooks request must be a JSON object');
  if (typeof req.hook !== 'string') bad('"hook" is missing or not a string');
  if (!HOOKS.includes(req.hook as HookName)) bad(`"hook" ${JSON.stringify(req.hook)} is not one of ${HOOKS.join(', ')}`);
  if (typeof req.hookInstance !== 'string' || req.hookInstance === '') bad('"hookInstance" is missing or not a string');
  if (req.context === null || typeof req.context !== 'object' || Array.isArray(req.context)) bad('"context" is missing or not an object');
  if (typeof req.context!.patientId !== 'string') bad('"context.patientId" is missing or not a string');
  if (req.prefetch !== undefined && (req.prefetch === null || typeof req.prefetch !== 'object' || Array.isArray(req.prefetch))) bad('"prefetch" must be an object');
  return req as CdsServiceRequest;
}

function loadCompiled(paths: string[], io: CliIo): CompiledRuleSet[] {
  const compiled: CompiledRuleSet[] = [];
  let problems = 0;
  for (const path of paths) {
    const loaded = loadRuleSetFile(path);
    for (const p of loaded.problems) io.err(formatProblem(p));
    problems += loaded.problems.length;
    if (loaded.ruleSet) compiled.push(compileRuleSet(loaded.ruleSet, { file: path }));
  }
  if (problems > 0) throw new Error(`the rule set has ${problems} problem${problems === 1 ? '' : 's'} (run cds-rules validate)`);
  return compiled;
}

function ruleSetPaths(option: string | undefined): string[] {
  if (option !== undefined) {
    let isFile: boolean;
    try {
      isFile = statSync(option).isFile();
    } catch {
      throw new CliUsageError(`--rule-set ${option}: no such file or folder`);
    }
    if (isFile) return [option];
  }
  return ruleSetFoldersAt(option).map((f) => f.main);
}

function chooseService(ruleSets: CompiledRuleSet[], hook: string, serviceId: string | undefined): { compiled: CompiledRuleSet; service: ServiceDefinition } {
  const all = ruleSets.flatMap((compiled) => compiled.services.map((service) => ({ compiled, service })));
  if (serviceId !== undefined) {
    const found = all.find((s) => s.service.id === serviceId);
    if (!found) throw new CliUsageError(`--service ${serviceId}: no such service (services: ${all.map((s) => s.service.id).join(', ') || 'none'})`);
    if (found.service.hook !== hook) throw new CliUsageError(`service ${serviceId} answers ${found.service.hook}, but the request is for ${hook}`);
    return found;
  }
  const forHook = all.filter((s) => s.service.hook === hook);
  if (forHook.length === 0) throw new CliUsageError(`no service answers hook ${hook} (services: ${all.map((s) => `${s.service.id} (${s.service.hook})`).join(', ') || 'none'})`);
  if (forHook.length > 1) throw new CliUsageError(`several services answer ${hook}: ${forHook.map((s) => s.service.id).join(', ')}; choose one with --service`);
  return forHook[0];
}

/** The record from the request's prefetch only (the CLI never calls a FHIR server). */
export function recordFromPrefetch(request: CdsServiceRequest, service: ServiceDefinition): PatientRecord {
  const keyed: KeyedResources[] = Object.keys(service.prefetch).map((key) => {
    const prefetch = request.prefetch ?? {};
    if (!Object.prototype.hasOwnProperty.call(prefetch, key)) {
      return { status: { key, origin: 'failed', resourceCount: 0, problem: 'not in the request prefetch (the CLI does not fetch)' }, resources: [] };
    }
    const value = prefetch[key];
    if (value === null) return { status: { key, origin: 'null', resourceCount: 0 }, resources: [] };
    if (isFailureOutcome(value)) return { status: { key, origin: 'failed', resourceCount: 0, problem: 'the client sent an OperationOutcome' }, resources: [] };
    const resources = flattenResources(value);
    return { status: { key, origin: 'prefetch', resourceCount: resources.length }, resources };
  });
  return assemblePatientRecord(String(request.context.patientId), request.context, keyed);
}

function compact(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

/** What the readable output reads from a card's explanation extension (docs/rule-format.md section 16). */
interface CardExplanation {
  rule?: { id: string };
  alsoFired?: string[];
  evidence?: { grade?: unknown; gradeLabel?: unknown; score?: unknown };
  /** Merged cards only. */
  concern?: { id: string; title: string };
  contributors?: Array<{ id: string; title: string; indicator: string }>;
}

function factLines(facts: readonly ExplainedFact[], indent: string): string[] {
  return facts.map((fact) => {
    const { refs, ...value } = fact.value;
    return `${indent}${fact.name} [${fact.kind}] = ${compact(value)}${refs.length ? ` from ${refs.join(', ')}` : ''}`;
  });
}

/**
 * The rules behind a card: the one rule (and those it outranked), or every contributor of a merged
 * card in rank order with its indicator and the facts it read (from the evaluation's fired rules).
 */
function cardRuleLines(card: Card, ext: CardExplanation | undefined, fired: readonly FiredRule[]): string[] {
  if (ext?.contributors === undefined || ext.contributors.length === 0) {
    return [`  rule: ${ext?.rule?.id ?? '?'}${ext?.alsoFired?.length ? ` (outranked: ${ext.alsoFired.join(', ')})` : ''}`];
  }
  const lines = [`  merged card of concern ${ext.concern?.id ?? '?'} ("${ext.concern?.title ?? ''}"): ${ext.contributors.length} contributing rules`];
  ext.contributors.forEach((c, i) => {
    lines.push(`  rule ${i + 1}: ${c.id} (${c.indicator}) — ${c.title}`);
    const entry = fired.find((f) => f.ruleId === c.id && f.cardUuid === card.uuid);
    lines.push(...(entry === undefined ? ['    (facts not in the evaluation result)'] : factLines(entry.facts, '    ')));
  });
  return lines;
}

function printReadable(result: EvaluationResult, service: ServiceDefinition, record: PatientRecord, io: CliIo): void {
  const { ruleSet } = result;
  io.out(`Rule set ${ruleSet.id}@${ruleSet.version} (sha256:${ruleSet.hash.slice(0, 12)}…), service ${service.id}, hook ${result.hook}, now ${result.now}`);
  io.out(`Data: ${record.sources.map((s) => `${s.key}=${s.origin}${s.origin === 'prefetch' ? `(${s.resourceCount})` : ''}${s.problem ? ` [${s.problem}]` : ''}`).join(', ') || 'no prefetch keys'}`);
  io.out(`${result.rulesConsidered} rule${result.rulesConsidered === 1 ? '' : 's'} considered, ${result.fired.length} fired, ${result.cards.length} card${result.cards.length === 1 ? '' : 's'}`);
  for (const card of result.cards) {
    const ext = card.extension?.[CARD_EXTENSION_KEY] as CardExplanation | undefined;
    io.out('');
    io.out(`[${card.indicator.toUpperCase()}] ${card.summary}`);
    for (const line of cardRuleLines(card, ext, result.fired)) io.out(line);
    io.out(`  source: ${card.source.label}${card.source.url ? ` <${card.source.url}>` : ''}`);
    if (ext?.evidence) io.out(`  evidence: grade ${String(ext.evidence.grade)} (${String(ext.evidence.gradeLabel)}), score ${String(ext.evidence.score)}`);
    if (card.detail) io.out(card.detail.replace(/^/gm, '  | '));
    for (const s of card.suggestions ?? []) io.out(`  suggestion${s.isRecommended ? ' (recommended)' : ''}: ${s.label}`);
    for (const r of card.overrideReasons ?? []) io.out(`  override reason: ${r.display} [${r.code}]`);
    for (const l of card.links ?? []) io.out(`  link: ${l.label} <${l.url}>`);
  }
  io.out('');
  io.out('Explanation:');
  if (result.fired.length === 0) io.out('  no rule fired');
  for (const f of result.fired) {
    if (f.mergedInto !== undefined) {
      // Its facts are listed with the merged card above.
      io.out(`  ${f.ruleId} (${f.category}, concern ${f.concern}) — merged into the "${f.mergedInto}" card, facts listed with it above`);
      continue;
    }
    io.out(`  ${f.ruleId} (${f.category}, concern ${f.concern})${f.suppressed ? ' — suppressed by a higher-ranked rule of its concern' : ''}`);
    for (const line of factLines(f.facts, '    ')) io.out(line);
  }
}

export const command: CliCommand = {
  name: 'evaluate',
  summary: 'evaluate a CDS Hooks request file without a server; print cards and the explanation',
  usage: [
    'usage: cds-rules evaluate --request <file> [--rule-set <path>] [--service <id>] [--now <iso>] [--json]',
    '',
    '  --request <file>    a CDS Hooks 2.0 service request (hook, hookInstance, context, prefetch)',
    '  --rule-set <path>   rule-set file or folder (default: every rule set under rules/)',
    '  --service <id>      the service to call (default: the one service answering the request\'s hook)',
    '  --now <iso>         evaluation instant, e.g. 2026-11-01T10:00:00Z (default: the current time)',
    '  --json              print the evaluation result (cards, fired rules with facts) as JSON',
    '',
    'The patient record is built from the request\'s prefetch only; keys the request lacks are',
    'reported as missing (the CLI never calls a FHIR server). Card uuids derive from hookInstance.',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { request: { type: 'string' }, 'rule-set': { type: 'string' }, service: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.request) throw new CliUsageError('--request <file> is required');
    let now = new Date();
    if (values.now !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(values.now) || Number.isNaN(Date.parse(values.now))) {
        throw new CliUsageError(`--now ${values.now}: not an ISO date-time (e.g. 2026-11-01T10:00:00Z)`);
      }
      now = new Date(values.now);
    }
    const request = readRequest(values.request);
    const ruleSets = loadCompiled(ruleSetPaths(values['rule-set']), io);
    const { compiled, service } = chooseService(ruleSets, request.hook, values.service);
    const record = recordFromPrefetch(request, service);
    const result = await compiled.evaluate({ hook: service.hook, context: request.context, record, now, idSeed: request.hookInstance });
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else printReadable(result, service, record, io);
    return 0;
  },
};

