/**
 * A separate OS process that appends decisions to a shared store: used to show that two server
 * processes writing at once keep the chain intact. Usage:
 *   node --import tsx append-worker.ts '<{"databaseUrl"?, "dataDir"}>' <count> <cardPrefix> <single|group>
 * Prints {"appended": n} and exits 0, or prints the error and exits 1.
 */
import { openStore, type AppendMode } from '../../../store/open-store.js';
import { decisionInput, card } from './fixtures.js';

const [locationJson, countText, prefix, appendMode] = process.argv.slice(2);
const location = JSON.parse(locationJson) as { databaseUrl?: string; dataDir: string };
const count = Number(countText);
const store = await openStore({ ...location, appendMode: appendMode as AppendMode });
try {
  const appended = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.appendDecision(decisionInput(i + 1, { cards: [card(`${prefix}-${i + 1}`)], hookInstance: `${prefix}-${i + 1}` })),
    ),
  );
  process.stdout.write(`${JSON.stringify({ appended: appended.length })}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
