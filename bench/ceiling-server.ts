/**
 * The ceiling: the fastest a Node/express 5 service can answer the same request on this machine. A bare
 * express 5 app in its own child process (as the real server runs), parsing the same JSON body with the
 * same body-parser limit (MAX_BODY_BYTES, default as in server/config.ts) and answering a small JSON.
 * Every other row of the benchmark is printed as a ratio to this one.
 *
 * Started by bench/run.ts with an IPC channel; reports {type:'ready', port} when listening and exits
 * when the parent disconnects.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024; // server/config.ts default

const maxBodyBytes = Number(process.env.MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES);
const app = express();
app.disable('x-powered-by');
app.set('etag', false); // as server/app.ts
app.use(express.json({ limit: maxBodyBytes, type: ['application/json', 'application/*+json'] }));
app.post('/cds-services/:id', (req, res) => {
  const body = req.body as { hook?: unknown; hookInstance?: unknown; context?: unknown };
  if (typeof body?.hook !== 'string' || typeof body.hookInstance !== 'string' || typeof body.context !== 'object') {
    res.status(400).json({ error: 'not a CDS Hooks request' });
    return;
  }
  res.json({ cards: [] });
});
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'ready', port });
  else console.log(`ceiling server listening on http://127.0.0.1:${port}`);
});

process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
