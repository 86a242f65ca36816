/**
 * Structured JSON logs (pino). The service logs identifiers and measurements only: never request
 * bodies, tokens (JWTs, fhirAuthorization) or patient data. Redaction is a second line of defence
 * in case an object carrying such fields is ever passed to the logger.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.authorization',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'body',
  '*.body',
  'prefetch',
  '*.prefetch',
  'context',
  '*.context',
  'patientId',
  '*.patientId',
];

/**
 * Test aid (docs/reliability.md, "No patient data in logs"): when LOG_CAPTURE_FILE names a file, every
 * logger also appends every line it produces, at every level down to trace and whatever its own level,
 * to that file (synchronously, so a line survives kill -9). test/support/log-capture-hooks.ts sets it
 * for the whole test run and scans the file for patient data and tokens. Not for production use.
 */
export const LOG_CAPTURE_ENV = 'LOG_CAPTURE_FILE';

/** No log line is longer than this (bytes of UTF-8, newline included). */
export const LOG_LINE_MAX_BYTES = 16 * 1024;
/** How much of a too-long line's message is kept in the line that replaces it. */
const CUT_MESSAGE_CHARS = 500;

/**
 * pino's last step before a line is written (hooks.streamWrite): a line over LOG_LINE_MAX_BYTES is
 * replaced by a valid JSON line with its level, time and the start of its message, and says by how much
 * it was too long. Client-chosen fields are already cut short (server/http/log-text.ts); this bounds
 * whatever else could grow, e.g. an error message that quotes its input.
 */
export function boundedLogLine(line: string): string {
  if (line.length * 3 < LOG_LINE_MAX_BYTES) return line; // cannot exceed the bound even if every character took 3 bytes
  const bytes = Buffer.byteLength(line);
  if (bytes <= LOG_LINE_MAX_BYTES) return line;
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    // not JSON: keep nothing of it but its size
  }
  const msg = typeof parsed.msg === 'string' ? parsed.msg.slice(0, CUT_MESSAGE_CHARS) : undefined;
  const replacement: Record<string, unknown> = {
    level: parsed.level,
    time: parsed.time,
    service: parsed.service,
    reqId: typeof parsed.reqId === 'string' ? parsed.reqId.slice(0, 128) : undefined,
    msg,
    logLineCut: `this line was ${bytes} bytes, over the ${LOG_LINE_MAX_BYTES}-byte bound; its fields were dropped`,
  };
  return `${JSON.stringify(replacement)}\n`;
}

const captureDestinations = new Map<string, DestinationStream>();

function captureDestination(file: string): DestinationStream {
  let destination = captureDestinations.get(file);
  if (destination === undefined) {
    destination = pino.destination({ dest: file, append: true, sync: true, mkdir: true });
    captureDestinations.set(file, destination);
  }
  return destination;
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ketamine-cds-hooks' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: boundedLogLine },
  };
  const captureFile = process.env[LOG_CAPTURE_ENV];
  if (captureFile) {
    const streams: Array<{ level: pino.Level; stream: DestinationStream }> = [{ level: 'trace', stream: captureDestination(captureFile) }];
    if (level !== 'silent') streams.push({ level, stream: destination ?? pino.destination(1) });
    return pino({ ...options, level: 'trace' }, pino.multistream(streams));
  }
  return destination ? pino(options, destination) : pino(options);
}
