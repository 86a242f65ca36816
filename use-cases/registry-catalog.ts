/**
 * A ServiceCatalog (use-cases/service-catalog.ts) that follows the rule-set registry: at start and
 * whenever registryRevision() changes (announced by the store, store.onRegistryChange: within
 * milliseconds on PostgreSQL, from any process; polled every pollIntervalMs as the fallback; or on an
 * explicit refresh()), it compiles the active version of each rule set (once per content hash;
 * cached) and binds its services. Bindings are checked against the effective period on every
 * get()/list() call, so a version is served only from effectivePeriod.start (inclusive) to end
 * (exclusive) even between registry changes. A call that was evaluated with a version superseded in
 * the meantime is refused by the store when it is recorded (store/version-check.ts); the service
 * then refreshes the catalog and evaluates again (server/service-call/call-service.ts).
 *
 * This is the service's one catalog. Problems (a version that does not compile, which includes every
 * validation rule about its services: ids, one service per hook, prefetch templates; a service id defined
 * by two active rule sets) never stop the catalog: the affected services are not served (never an older
 * version in their place), and problems() lists why. When the registry cannot be read, the last good
 * bindings stay in place and onError is told.
 */
import { compileRuleSet } from '../engine/compile-rule-set.js';
import type { RuleSet, ServiceDefinition } from '../engine/rule-set-types.js';
import type { CompiledRuleSet, ServiceBinding, ServiceCatalog } from './service-catalog.js';
import { isWithinEffectivePeriod } from '../store/rule-set-publication.js';
import type { RuleSetVersionRecord, Store } from '../store/store.js';

export const DEFAULT_REGISTRY_POLL_MS = 5_000;

export interface RegistryCatalogOptions {
  store: Store;
  /** Default: engine/compile-rule-set.ts compileRuleSet (validates, then compiles). */
  compile?: (ruleSet: RuleSet) => CompiledRuleSet;
  /** How often to poll registryRevision(); 0 = only refresh() (default 5000). */
  pollIntervalMs?: number;
  /** "Now" for effective-period checks (tests pin it). */
  clock?: () => Date;
  /** Told when a poll cannot read the registry (the last good bindings stay). */
  onError?: (error: Error) => void;
  /** Told after the bindings were rebuilt for a new registry revision (for logs and metrics). */
  onReload?: (revision: number, problems: readonly string[]) => void;
}

interface Bound {
  binding: ServiceBinding;
  version: RuleSetVersionRecord;
}

type CompileOutcome = { compiled: CompiledRuleSet } | { error: string };

export class RegistryServiceCatalog implements ServiceCatalog {
  private readonly store: Store;
  private readonly compile: (ruleSet: RuleSet) => CompiledRuleSet;
  private readonly clock: () => Date;
  private readonly onError: (error: Error) => void;
  private readonly onReload: (revision: number, problems: readonly string[]) => void;
  private readonly pollIntervalMs: number;
  private bound = new Map<string, Bound>();
  private cache = new Map<string, CompileOutcome>();
  private currentProblems: string[] = [];
  private revision: number | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  private constructor(options: RegistryCatalogOptions) {
    this.store = options.store;
    this.compile = options.compile ?? ((ruleSet) => compileRuleSet(ruleSet));
    this.clock = options.clock ?? (() => new Date());
    this.onError = options.onError ?? (() => undefined);
    this.onReload = options.onReload ?? (() => undefined);
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_REGISTRY_POLL_MS;
  }

  /** Loads the registry once (errors propagate: a start without a readable registry fails), then
   * follows the store's change announcements and polls. */
  static async start(options: RegistryCatalogOptions): Promise<RegistryServiceCatalog> {
    const catalog = new RegistryServiceCatalog(options);
    await catalog.refresh();
    catalog.unsubscribe = catalog.store.onRegistryChange(() => {
      catalog.refresh().catch((error: Error) => catalog.onError(error));
    });
    if (catalog.pollIntervalMs > 0) {
      catalog.timer = setInterval(() => {
        catalog.refresh().catch((error: Error) => catalog.onError(error));
      }, catalog.pollIntervalMs);
      catalog.timer.unref();
    }
    return catalog;
  }

  /** Stops polling and following the store's announcements. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Re-reads the registry if its revision changed (force: regardless). Refreshes never overlap. */
  refresh(options: { force?: boolean } = {}): Promise<void> {
    const next = this.refreshing.catch(() => undefined).then(() => this.reload(options.force === true));
    this.refreshing = next;
    return next;
  }

  /** The registry revision the current bindings reflect. */
  loadedRevision(): number | undefined {
    return this.revision;
  }

  /** Why some active versions or services are not served (empty when all are). */
  problems(): string[] {
    return [...this.currentProblems];
  }

  list(): ServiceBinding[] {
    const nowMs = this.clock().getTime();
    return [...this.bound.values()].filter((b) => isWithinEffectivePeriod(b.version, nowMs)).map((b) => b.binding);
  }

  get(id: string): ServiceBinding | undefined {
    const bound = this.bound.get(id);
    if (bound === undefined || !isWithinEffectivePeriod(bound.version, this.clock().getTime())) return undefined;
    return bound.binding;
  }

  ready(): boolean {
    return this.revision !== undefined && this.list().length > 0;
  }

  private compiled(version: RuleSetVersionRecord): CompileOutcome {
    let outcome = this.cache.get(version.hash);
    if (outcome === undefined) {
      try {
        const compiled = this.compile(version.content);
        outcome =
          compiled.identity.hash === version.hash
            ? { compiled }
            : { error: `compiled identity hash ${compiled.identity.hash} differs from the registry hash ${version.hash}` };
      } catch (error) {
        outcome = { error: (error as Error).message };
      }
    }
    return outcome;
  }

  private async reload(force: boolean): Promise<void> {
    // Revision first: a change that lands while we read is picked up by the next poll.
    const revision = await this.store.registryRevision();
    if (!force && revision === this.revision) return;
    const active = (await this.store.listVersions()).filter((version) => version.state === 'active');
    active.sort((a, b) => a.ruleSetId.localeCompare(b.ruleSetId));

    const bound = new Map<string, Bound>();
    const owner = new Map<string, string>();
    const cache = new Map<string, CompileOutcome>();
    const problems: string[] = [];
    for (const version of active) {
      const label = `rule set "${version.ruleSetId}"@${version.version}`;
      const outcome = this.compiled(version);
      cache.set(version.hash, outcome);
      if ('error' in outcome) {
        problems.push(`${label} is active but does not compile; its services are not served: ${outcome.error}`);
        continue;
      }
      const compiled = outcome.compiled;
      for (const service of compiled.ruleSet.services ?? []) {
        const problem = this.serviceProblem(service, label, owner);
        if (problem !== undefined) {
          problems.push(problem);
          continue;
        }
        owner.set(service.id, label);
        bound.set(service.id, {
          version,
          binding: { service, ruleSet: compiled.identity, evaluate: (input) => compiled.evaluate(input) },
        });
      }
    }
    this.bound = bound;
    this.cache = cache;
    this.currentProblems = problems;
    this.revision = revision;
    this.onReload(revision, problems);
  }

  /** Ids unique across active rule sets: the one service check that spans rule sets. Everything about a
   * service within its rule set (id, hook, one service per hook, prefetch templates) is a validation rule
   * (engine/validate-rule-set.ts), checked when the version is compiled. */
  private serviceProblem(service: ServiceDefinition, label: string, owner: ReadonlyMap<string, string>): string | undefined {
    const first = owner.get(service.id);
    if (first !== undefined) return `${label} service "${service.id}": service id already served by ${first}; not served`;
    return undefined;
  }
}
