/**
 * The bundled rule sets (rules/) at start, between loading them and serving the registry:
 *
 *   - An empty registry (first start) takes them: every version published, the newest of each rule
 *     set activated by system:bootstrap (store/import-bundled.ts). A bundled file that does not
 *     validate then stops the start (there would be nothing reviewed to serve).
 *   - Afterwards nothing goes live unreviewed, and editing rules/ never takes the service down: the
 *     registry is served, and what an operator should know is reported in the log and in /readyz as
 *     notices: a bundled version the registry does not hold (new), one the registry holds with other
 *     content (changed: the working file was edited without a new version number), and a file that
 *     does not validate (invalid).
 */
import { relative } from 'node:path';
import { RuleSetInvalidError, formatProblem, type RuleSetProblem } from '../engine/rule-set-problem.js';
import { bundledNotices, importBundledRuleSets, registryIsEmpty, type BundledImportResult } from '../store/import-bundled.js';
import type { Store } from '../store/store.js';
import { loadRuleSetFilesLeniently } from '../use-cases/load-rule-set-files.js';
import { RULES_DIR } from './bundled-rule-sets.js';
import type { Logger } from './logger.js';
import type { CompiledRuleSet } from '../use-cases/service-catalog.js';

export interface StartupNotice {
  kind: 'bundled-rule-set';
  status: 'new' | 'changed' | 'invalid';
  /** The file, relative to the working directory. */
  file: string;
  ruleSetId?: string;
  version?: string;
  message: string;
}

export function bundledRuleSetNotices(result: BundledImportResult, invalid: readonly { file: string; problems: RuleSetProblem[] }[]): StartupNotice[] {
  const where = (file: string): string => relative(process.cwd(), file) || file;
  return [
    ...bundledNotices(result.files).map((f): StartupNotice => ({
      kind: 'bundled-rule-set',
      status: f.status as 'new' | 'changed',
      file: where(f.file),
      ruleSetId: f.ruleSetId,
      version: f.version,
      message: f.note,
    })),
    ...invalid.map((f): StartupNotice => ({
      kind: 'bundled-rule-set',
      status: 'invalid',
      file: where(f.file),
      message:
        `${where(f.file)} does not validate (${f.problems.length} problem${f.problems.length === 1 ? '' : 's'}, first: ${formatProblem({ ...f.problems[0], file: where(f.file) })}); ` +
        'the registry is served; run cds-rules validate',
    })),
  ];
}

export interface BundledStart {
  notices: StartupNotice[];
  /** Every valid bundled version, compiled, by content hash (the catalog reuses them). */
  precompiled: Map<string, CompiledRuleSet>;
}

export async function startWithBundledRuleSets(store: Store, logger: Logger, rulesDir = RULES_DIR): Promise<BundledStart> {
  const { valid, invalid } = loadRuleSetFilesLeniently(rulesDir);
  if (invalid.length > 0 && (await registryIsEmpty(store))) throw new RuleSetInvalidError(invalid.flatMap((f) => f.problems));
  const imported = await importBundledRuleSets(
    store,
    valid.map(({ file, compiled }) => ({ file, ruleSet: compiled.ruleSet })),
  );
  if (imported.imported) {
    for (const outcome of imported.files) logger.info({ ...outcome, file: undefined }, 'bundled rule set imported into the empty registry');
  }
  const notices = bundledRuleSetNotices(imported, invalid);
  for (const notice of notices) logger.warn(notice, 'bundled rule set differs from the registry: not served as it is');
  return { notices, precompiled: new Map(valid.map(({ compiled }) => [compiled.identity.hash, compiled])) };
}
