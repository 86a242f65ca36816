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
