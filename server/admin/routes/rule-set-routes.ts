/**
 * Admin routes over the rule-set registry: list, read (content, hash, history), publish, the lifecycle
 * actions, and the diff between two versions. Who may call each is in admin-policy.ts.
 */
import type { Request, Response } from 'express';
import { renderDiffMarkdown } from '../../../engine/diff/render-diff-markdown.js';
import { renderDiffText } from '../../../engine/diff/render-diff-text.js';
import { badRequest, notFound } from '../../../use-cases/admin-error.js';
import { principalOf } from '../admin-auth.js';
import type { AdminApiDeps } from '../admin-deps.js';
import { onlyKnownParams, optionalBoolean, optionalChoice, optionalVersion, requiredText, requiredVersion, type Params } from '../../../use-cases/admin-query.js';
import { NO_VERSION } from '../../../engine/diff/diff-rule-sets.js';
import { diffRegistryVersions } from '../../../use-cases/diff-registry-versions.js';
import { performLifecycleAction, type LifecycleActionName } from '../../../use-cases/lifecycle-actions.js';
import { publishRuleSetJson, publishRuleSetText } from '../../../use-cases/publish-rule-set.js';
import { versionSummary, versionView } from './version-views.js';

export async function listRuleSets(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const versions = await deps.store.listVersions();
  const byId = new Map<string, typeof versions>();
  for (const v of versions) byId.set(v.ruleSetId, [...(byId.get(v.ruleSetId) ?? []), v]);
  res.json({
    ruleSets: [...byId.entries()].map(([id, list]) => ({
      id,
      title: list[list.length - 1].content.title,
      activeVersion: list.find((v) => v.state === 'active')?.version ?? null,
      versions: list.map((v) => ({ version: v.version, state: v.state, hash: v.hash, publishedAt: v.publishedAt })),
    })),
  });
}

export async function listVersions(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const ruleSetId = requiredText(req.params, 'ruleSetId');
  const versions = await deps.store.listVersions(ruleSetId);
  if (versions.length === 0) throw notFound(`no rule set ${ruleSetId} in the registry`);
  res.json({ ruleSetId, versions: versions.map(versionSummary) });
}

export async function getVersion(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const ruleSetId = requiredText(req.params, 'ruleSetId');
  const version = requiredVersion(req.params, 'version');
  const record = await deps.store.getVersion(ruleSetId, version);
  if (record === undefined) throw notFound(`rule set ${ruleSetId} has no version ${version}`);
  res.json(versionView(record, await deps.store.history(ruleSetId, version)));
}

/** The body is the rule-set JSON itself (raw bytes, so duplicate keys and syntax positions are reported). */
export async function publishVersion(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  onlyKnownParams(req.query as Params, []);
  const author = principalOf(res).name;
  const outcome = Buffer.isBuffer(req.body)
    ? await publishRuleSetText(deps.store, decodeUtf8(req.body), 'request body', author)
    : await publishRuleSetJson(deps.store, req.body, 'request body', author);
  res
    .status(outcome.created ? 201 : 200)
    .location(`/admin/api/rule-sets/${encodeURIComponent(outcome.record.ruleSetId)}/versions/${encodeURIComponent(outcome.record.version)}`)
    .json({
      created: outcome.created,
      message: outcome.created
        ? `published ${outcome.record.ruleSetId} ${outcome.record.version} as a draft`
        : `${outcome.record.ruleSetId} ${outcome.record.version} was already published with this exact content (no change)`,
      version: versionSummary(outcome.record),
    });
}

export function lifecycleRoute(action: LifecycleActionName) {
  return async (req: Request, res: Response, deps: AdminApiDeps): Promise<void> => {
    onlyKnownParams(req.query as Params, []);
    const body = objectBody(req.body);
    onlyKnownParams(body, ['reason']);
    const outcome = await performLifecycleAction(deps.store, {
      action,
      ruleSetId: requiredText(req.params, 'ruleSetId'),
      version: requiredVersion(req.params, 'version'),
      actor: principalOf(res).name,
      reason: body.reason,
    });
    res.json({ event: outcome.event, version: versionSummary(outcome.version) });
  };
}

export async function diffVersions(req: Request, res: Response, deps: AdminApiDeps): Promise<void> {
  const query = req.query as Params;
  onlyKnownParams(query, ['from', 'to', 'format', 'impact']);
  const ruleSetId = requiredText(req.params, 'ruleSetId');
  const from = optionalVersion(query, 'from') ?? NO_VERSION; // absent or "none": a first version against nothing
  const to = requiredVersion(query, 'to');
  const format = optionalChoice(query, 'format', ['json', 'text', 'markdown'] as const) ?? 'json';
  const impact = optionalBoolean(query, 'impact') ?? false;
  // The fixture impact runs on the admin worker thread: the main thread keeps serving clinical calls.
  const result = await diffRegistryVersions(deps.store, ruleSetId, from, to, { impact, rulesDir: deps.rulesDir, runImpact: deps.workPool.fixtureImpact });
  if (format === 'json') {
    res.json(result);
    return;
  }
  const render = format === 'text' ? renderDiffText : renderDiffMarkdown;
  res
    .type(format === 'text' ? 'text/plain; charset=utf-8' : 'text/markdown; charset=utf-8')
    .send(render(result.diff, result.impact));
}

function objectBody(body: unknown): Params {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('body', 'must be a JSON object');
  return body as Params;
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('body', 'is not valid UTF-8');
  }
}
