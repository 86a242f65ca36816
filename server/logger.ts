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
  };
  const captureFile = process.env[LOG_CAPTURE_ENV];
  if (captureFile) {
    const streams: Array<{ level: pino.Level; stream: DestinationStream }> = [{ level: 'trace', stream: captureDestination(captureFile) }];
    if (level !== 'silent') streams.push({ level, stream: destination ?? pino.destination(1) });
    return pino({ ...options, level: 'trace' }, pino.multistream(streams));
  }
  return destination ? pino(options, destination) : pino(options);
}
