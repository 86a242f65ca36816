/**
 * How the admin API answers with an AdminError (use-cases/admin-error.ts): the status, and a JSON body
 * {error, message, field?, problems?, requiredRoles?, reason?} whose `error` is a stable code per status.
 */
import type { Response } from 'express';
import type { AdminError } from '../../use-cases/admin-error.js';

/** The `error` code of each status the admin API answers with. */
export const ADMIN_ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_rule_set',
  500: 'internal_error',
};

/** Answers with an AdminError as JSON: {error, message, field?, problems?, requiredRoles?, reason?}. */
export function sendAdminError(res: Response, err: AdminError): void {
  if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="cds-admin"');
  res.status(err.status).json({
    error: ADMIN_ERROR_CODES[err.status] ?? 'error',
    message: err.message,
    ...(err.field === undefined ? {} : { field: err.field }),
    ...(err.problems === undefined ? {} : { problems: err.problems }),
    ...(err.requiredRoles === undefined ? {} : { requiredRoles: err.requiredRoles }),
    ...(err.reason === undefined ? {} : { reason: err.reason }),
  });
}
