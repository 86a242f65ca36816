/**
 * Errors the admin API and the CLI report to people: an HTTP status, a message that says what was
 * wrong, and — for bad input — the field (or JSON pointers) at fault. The admin router turns them into
 * JSON bodies (server/admin/admin-error-response.ts); the CLI prints the message and exits non-zero.
 * Anything else is a bug and becomes a 500.
 */
import type { StoreError } from '../store/store-error.js';

export interface AdminProblem {
  /** RFC 6901 JSON pointer into the submitted document ('' = the whole document). */
  pointer: string;
  message: string;
}

export interface AdminErrorExtra {
  field?: string;
  problems?: readonly AdminProblem[];
  requiredRoles?: readonly string[];
  reason?: string;
}

export class AdminError extends Error {
  readonly status: number;
  /** The request field at fault (query parameter, path parameter or body field). */
  readonly field?: string;
  readonly problems?: readonly AdminProblem[];
  /** For 403: the roles that may call the route. */
  readonly requiredRoles?: readonly string[];
  /** A stable code for why an action cannot run (e.g. replay: "no-snapshot-key"). */
  readonly reason?: string;

  constructor(status: number, message: string, extra: AdminErrorExtra = {}) {
    super(message);
    this.name = 'AdminError';
    this.status = status;
    if (extra.field !== undefined) this.field = extra.field;
    if (extra.problems !== undefined) this.problems = extra.problems;
    if (extra.requiredRoles !== undefined) this.requiredRoles = extra.requiredRoles;
    if (extra.reason !== undefined) this.reason = extra.reason;
  }
}

export function badRequest(field: string, message: string): AdminError {
  return new AdminError(400, `${field}: ${message}`, { field });
}

export function notFound(message: string): AdminError {
  return new AdminError(404, message);
}

export function conflict(message: string): AdminError {
  return new AdminError(409, message);
}

export function unprocessable(message: string, problems: readonly AdminProblem[]): AdminError {
  return new AdminError(422, message, { problems });
}

/** A StoreError the caller can act on, as the HTTP status that says so; integrity failures stay 500. */
export function storeErrorToAdminError(error: StoreError): AdminError {
  switch (error.code) {
    case 'invalid-input':
      return new AdminError(400, error.message);
    case 'not-found':
      return new AdminError(404, error.message);
    case 'conflict':
    case 'illegal-transition':
      return new AdminError(409, error.message);
    case 'self-approval':
      return new AdminError(409, `self-approval refused: ${error.message}`);
    case 'integrity':
      return new AdminError(500, error.message);
  }
}
