/**
 * Failures a caller can act on. `code` is stable (the server maps it to an HTTP status, the CLI to an
 * exit message); `message` names what was wrong and where.
 */
export type StoreErrorCode =
  /** Input failed validation (bad field, bad date, bad semver…). */
  | 'invalid-input'
  /** Different content under an existing id+version, or a card uuid already recorded. */
  | 'conflict'
  | 'not-found'
  /** Lifecycle transition not allowed from the current state. */
  | 'illegal-transition'
  /** The author tried to approve their own version. */
  | 'self-approval'
  /** Stored data does not match its hash, or a migration changed after it was applied. */
  | 'integrity';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

/**
 * appendDecision refused a decision because its rule-set version is not the registry's active version
 * at the append instant (a replica that has not yet seen an activation, a roll back or a retirement).
 * The caller refreshes its view of the registry and evaluates again with the active version
 * (server/service-call/call-service.ts). `code` is 'stale-version'.
 *
 * A class of its own rather than a StoreErrorCode: only appendDecision refuses this way, and the
 * admin API maps every StoreErrorCode exhaustively (use-cases/admin-error.ts), which never sees it.
 */
export class StaleVersionError extends Error {
  readonly code = 'stale-version' as const;

  constructor(
    readonly ruleSetId: string,
    readonly ruleSetVersion: string,
    /** The version active at `appendedAt` (undefined: none). */
    readonly activeVersion: string | undefined,
    readonly appendedAt: string,
  ) {
    super(
      `appendDecision: the decision was made with ${ruleSetId}@${ruleSetVersion}, but at the append instant ${appendedAt} the registry's ` +
        `active version is ${activeVersion === undefined ? 'none (no version in force)' : activeVersion}; evaluate again with the active version`,
    );
    this.name = 'StaleVersionError';
  }
}
