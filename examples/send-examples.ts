/**
 * Sends the sample CDS Hooks requests in examples/requests/ to a running service, as an EHR would
 * (each with a fresh hookInstance), and prints the cards readably.
 *
 *   npm run examples                                   all samples to http://127.0.0.1:8080
 *   npm run examples -- --url http://127.0.0.1:9000    another service
 *   npm run examples -- order-sign--aneurysm           only samples whose file name contains this
 *   npm run examples -- --token <jwt>                  when the service requires client JWTs
 *   npm run examples -- --as-written                   send the dates exactly as in the files
 *
 * Each sample was written for its fixture's pinned "now" (request extension org.ketamine-cds.example);
 * the service evaluates with the real clock, so by default every date in the sample is moved by whole
 * time to keep the same distance from now (a blood pressure 3 days old stays 3 days old).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Card, CdsServiceRequest, DiscoveryResponse } from '../cds-hooks/wire-types.js';
import { CARD_EXTENSION_KEY } from '../engine/evaluation-types.js';
import { EXAMPLE_EXTENSION_KEY, intervalSince, shiftDates } from './shift-dates.js';

const REQUESTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'requests');

const MARK: Record<Card['indicator'], string> = { critical: 'CRITICAL', warning: 'WARNING ', info: 'info    ' };

/** The rule behind a card, or for a merged card every contributing rule and the concern. */
function ruleIdOf(card: Card): string {
  const explanation = card.extension?.[CARD_EXTENSION_KEY] as
    | { rule?: { id?: string }; concern?: { id?: string }; contributors?: Array<{ id?: string }> }
    | undefined;
  if (explanation?.contributors?.length) {
    return `${explanation.contributors.map((c) => c.id ?? '?').join(' + ')} (merged: concern ${explanation.concern?.id ?? '?'})`;
  }
  return explanation?.rule?.id ?? '?';
}

function printCard(card: Card): void {
  console.log(`  [${MARK[card.indicator]}] ${card.summary}`);
  console.log(`             rule ${ruleIdOf(card)}; source: ${card.source.label}`);
  for (const s of card.suggestions ?? []) console.log(`             suggestion: ${s.label}`);
  if (card.overrideReasons?.length) {
    console.log(`             override reasons: ${card.overrideReasons.map((r) => r.display).join('; ')}`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      token: { type: 'string' },
      'as-written': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const base = values.url!.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (values.token) headers.authorization = `Bearer ${values.token}`;

  let discovery: DiscoveryResponse;
  try {
    const res = await fetch(`${base}/cds-services`, { headers });
    if (!res.ok) throw new Error(`discovery answered HTTP ${res.status}`);
    discovery = (await res.json()) as DiscoveryResponse;
  } catch (err) {
    console.error(`cannot reach the service at ${base}: ${(err as Error).message}. Start it with \`npm start\`.`);
    process.exit(1);
  }
  const serviceForHook = new Map(discovery.services.map((s) => [s.hook, s.id]));

  const files = readdirSync(REQUESTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .filter((f) => positionals.length === 0 || positionals.some((p) => f.includes(p)))
    .sort();
  if (files.length === 0) {
    console.error(`no sample request matches ${positionals.join(', ')}`);
    process.exit(1);
  }
  let failures = 0;
  for (const file of files) {
    let request = JSON.parse(readFileSync(join(REQUESTS_DIR, file), 'utf8')) as CdsServiceRequest;
    const example = request.extension?.[EXAMPLE_EXTENSION_KEY] as { fixtureNow?: string } | undefined;
    if (!values['as-written'] && example?.fixtureNow) {
      request = shiftDates(request, intervalSince(example.fixtureNow, new Date()));
    }
    const serviceId = serviceForHook.get(request.hook);
    if (!serviceId) {
      console.log(`\n${file}: no service for hook ${request.hook}`);
      failures++;
      continue;
    }
    request.hookInstance = randomUUID();
    const res = await fetch(`${base}/cds-services/${serviceId}`, { method: 'POST', headers, body: JSON.stringify(request) });
    const body = (await res.json()) as { cards?: Card[] };
    console.log(`\n${file} -> ${serviceId}: HTTP ${res.status}, ${body.cards?.length ?? 0} card(s)`);
    if (!res.ok) {
      console.log(`  ${JSON.stringify(body)}`);
      failures++;
      continue;
    }
    for (const card of body.cards ?? []) printCard(card);
  }
  process.exit(failures === 0 ? 0 : 1);
}

await main();
