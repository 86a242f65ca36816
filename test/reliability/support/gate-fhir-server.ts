/**
 * A FHIR server that holds every request until the test releases it: lets a test have service calls
 * verifiably in flight (the server is waiting on FHIR) at the moment it does something else, without
 * timing guesses. Answers each search with an empty searchset Bundle once released.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface GateFhirServer {
  baseUrl: string;
  /** Requests received so far. */
  readonly received: number;
  /** The W3C `traceparent` header of each request received (undefined when it had none), in order. */
  readonly traceparents: Array<string | undefined>;
  /** Resolves when at least `count` requests have arrived. */
  whenReceived(count: number): Promise<void>;
  /** Answers every held request (and every later one at once). */
  release(): void;
  close(): Promise<void>;
}

export async function startGateFhirServer(): Promise<GateFhirServer> {
  const held: http.ServerResponse[] = [];
  const sockets = new Set<Socket>();
  let received = 0;
  const traceparents: Array<string | undefined> = [];
  let released = false;
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const answer = (res: http.ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 }));
  };
  const server = http.createServer((req, res) => {
    received += 1;
    traceparents.push(typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined);
    if (released) answer(res);
    else held.push(res);
    waiters = waiters.filter((w) => (received >= w.count ? (w.resolve(), false) : true));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    get received() {
      return received;
    },
    traceparents,
    whenReceived(count) {
      return received >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
    release() {
      released = true;
      for (const res of held.splice(0)) answer(res);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
