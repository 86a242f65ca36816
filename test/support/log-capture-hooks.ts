/**
 * Mocha root hooks (loaded for every run by .mocharc.json "require"): the whole test run is a test
 * that no patient data and no token ever reaches a log line.
 *
 * beforeAll: points LOG_CAPTURE_FILE at a fresh file, so every logger the run creates (server/logger.ts
 * createLogger, in this process and in server child processes that inherit the environment) appends
 * every line it produces, at every level, to it.
 * afterAll: checks that no line is longer than LOG_LINE_MAX_BYTES (16 KB), and scans the file for every fixture patient's name, identifier, birth date and id
 * (fixture-patient-data.ts), every token the tests minted or registered (minted-secrets.ts), the admin
 * test users' tokens, and anything shaped like a JWT or a bearer credential. A finding fails the run
 * with the kinds and line numbers only (never the data) and keeps the file for inspection.
 *
 * Set LOG_CAPTURE_FILE yourself to choose (and keep) the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_CAPTURE_ENV, LOG_LINE_MAX_BYTES } from '../../server/logger.js';
import { fixturePatientNeedles } from './fixture-patient-data.js';
import { describeLeaks, LeakScanner, type Needle } from './log-leak-scanner.js';
import { mintedSecrets } from './minted-secrets.js';

/** Test-user modules whose exported users carry a `token` (admin and console users). */
const TEST_USER_MODULES = ['../admin/support/admin-harness.js', '../console/support/console-harness.js'];

function tokensIn(value: unknown, depth = 0): string[] {
  if (depth > 4 || value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    key === 'token' && typeof child === 'string' ? [child] : tokensIn(child, depth + 1),
  );
}

async function testUserTokens(): Promise<string[]> {
  const tokens: string[] = [];
  for (const specifier of TEST_USER_MODULES) {
    const module = await import(new URL(specifier, import.meta.url).href).catch(() => undefined);
    if (module !== undefined) tokens.push(...Object.values(module as Record<string, unknown>).flatMap((v) => tokensIn(v)));
  }
  return tokens;
}

let captureFile: string | undefined;
let ownDir: string | undefined;

export const mochaHooks = {
  beforeAll(): void {
    if (captureFile !== undefined) return;
    const chosen = process.env[LOG_CAPTURE_ENV];
    if (chosen) {
      captureFile = chosen;
    } else {
      ownDir = mkdtempSync(join(tmpdir(), 'cds-log-capture-'));
      captureFile = join(ownDir, 'all-logs.ndjson');
      process.env[LOG_CAPTURE_ENV] = captureFile;
    }
    writeFileSync(captureFile, '');
  },

  async afterAll(): Promise<void> {
    if (captureFile === undefined) return;
    const file = captureFile;
    const text = readFileSync(file, 'utf8');
    const needles: Needle[] = [
      ...fixturePatientNeedles(),
      ...mintedSecrets().map((value): Needle => ({ kind: 'token', value, wholeWord: false })),
      ...(await testUserTokens()).map((value): Needle => ({ kind: 'token', value, wholeWord: false })),
    ];
    const leaks = new LeakScanner(needles).scan(text);
    const lines = text.length === 0 ? 0 : text.split('\n').length - 1;
    if (leaks.length > 0) {
      throw new Error(
        `patient data or tokens were logged during the test run (${lines} log lines scanned): ${describeLeaks(leaks)}. ` +
          `The captured log is kept at ${file}.`,
      );
    }
    // No line longer than the logger's bound (server/logger.ts LOG_LINE_MAX_BYTES), whoever wrote it.
    const tooLong = text
      .split('\n')
      .map((line, i) => ({ line: i + 1, bytes: Buffer.byteLength(line) + 1 }))
      .filter((l) => l.bytes > LOG_LINE_MAX_BYTES);
    if (tooLong.length > 0) {
      throw new Error(
        `log lines over ${LOG_LINE_MAX_BYTES} bytes were written during the test run: ${tooLong.slice(0, 10).map((l) => `line ${l.line} (${l.bytes} bytes)`).join(', ')}. ` +
          `The captured log is kept at ${file}.`,
      );
    }
    process.stdout.write(
      `\n  log capture: ${lines} log lines from the whole run scanned for ${needles.length} patient values and tokens: none found; none over ${LOG_LINE_MAX_BYTES} bytes\n`,
    );
    if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
  },
};
