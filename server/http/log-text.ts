/**
 * Strings a client chose (the path it called, the hook it named, its request id, its token's tenant,
 * JWT header fields, error details about them) as they may appear in a log line: cut to a short length
 * and with anything shaped like a token replaced, so a client can neither flood the log nor make it
 * carry a credential (server/logger.ts also bounds every whole line, LOG_LINE_MAX_BYTES).
 */

/** Longest client-chosen string kept in a log field (characters). */
export const MAX_CLIENT_TEXT = 200;

/** A JWT or a piece of one (every JWT segment of a JSON header or payload starts with "eyJ"), a compact JWS, a bearer credential. */
const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)*|[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\bbearer\s+\S+/gi;

export function clientText(value: unknown, max = MAX_CLIENT_TEXT): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  const kept = text.length > max ? text.slice(0, max) : text;
  const safe = kept.replace(TOKEN_SHAPED, '[token]');
  return text.length > max ? `${safe}…[${text.length - max} more characters cut]` : safe;
}
