/** Parsing of the instants the store filters and orders by (ISO 8601 / RFC 3339 strings). */
import { StoreError } from './store-error.js';

const ISO_DATE_OR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Milliseconds since the epoch. A date without a time ("2025-01-01") is midnight UTC. */
export function parseInstant(value: unknown, field: string): number {
  if (typeof value !== 'string' || !ISO_DATE_OR_DATE_TIME.test(value)) {
    throw new StoreError('invalid-input', `${field}: expected an ISO 8601 date or date-time, got ${JSON.stringify(value)}`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new StoreError('invalid-input', `${field}: ${JSON.stringify(value)} is not a valid date`);
  }
  return ms;
}
