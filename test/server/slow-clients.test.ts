/**
 * Timeouts and fairness against slow clients, over real sockets (server/http/http-server.ts,
 * server/http/json-body.ts, server/http/in-flight-limit.ts):
 *   - a body that has not arrived within HTTP_BODY_TIMEOUT_MS is answered 408 and the connection closed;
 *     headers that have not arrived within HTTP_HEADERS_TIMEOUT_MS likewise (tests configure short ones);
 *   - one client's slow bodies fill the in-flight limit (a client alone may use all of it) and another
 *     client is still served; the slow client's next request is refused with 503;
 *   - unauthenticated requests are answered 401 on their headers and hold no slot.
 * Nothing here sleeps: each step waits for an event (a response, a closed socket, an admission).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../server/http/http-server.js';
import { inFlightLimit, type InFlightLimit } from '../../server/http/in-flight-limit.js';
import { generateTestKey, jwks, signClientToken, type TestKey } from '../support/client-tokens.js';
import { aneurysm, requestFromContextExample, searchset, withEsketamineOrder } from '../support/server-requests.js';
import { PUBLIC_BASE_URL, startHarness, type Harness } from '../support/server-harness.js';

const A = 'https://ehr-slow.test.example';
const B = 'https://ehr-prompt.test.example';
const PATH = '/cds-services/server-test-order-select';

/** A raw HTTP/1.1 exchange: `head` (and a partial body) is written, then nothing more; resolves with everything received once the server closes. */
class RawExchange {
  readonly closed: Promise<string>;
  private readonly socket: net.Socket;
  constructor(port: number, text: string) {
    this.socket = net.connect(port, '127.0.0.1');
    let received = '';
    this.socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve(received)));
    this.socket.on('error', () => undefined);
    this.socket.write(text);
  }
  destroy(): void {
    this.socket.destroy();
  }
}

function slowPost(token: string | undefined, partialBody = '{"hook":"order-sel'): string {
  return [
    `POST ${PATH} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...(token === undefined ? [] : [`Authorization: Bearer ${token}`]),
    'Content-Type: application/json',
    'Content-Length: 5000',
    '',
    partialBody,
  ].join('\r\n');
}

describe('slow clients: timeouts and a fair in-flight limit', () => {
  let keyA: TestKey;
  let keyB: TestKey;
  before(async () => {
    [keyA, keyB] = await Promise.all([generateTestKey('ES384', 'slow-a'), generateTestKey('ES384', 'prompt-b')]);
  });
  const clients = () => [
    { iss: A, jwks: jwks(keyA), fhirServers: [] },
    { iss: B, jwks: jwks(keyB), fhirServers: [] },
  ];
  const tokenFor = (h: Harness, key: TestKey, iss: string) => signClientToken({ key, iss, aud: `${PUBLIC_BASE_URL}${PATH}`, now: h.clock.now() });

  async function listen(h: Harness): Promise<{ server: Server; port: number }> {
    const server = createHttpServer(h.app, h.config);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }
  const close = (server: Server) => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };

  describe('timeouts (HTTP_BODY_TIMEOUT_MS=300, HTTP_HEADERS_TIMEOUT_MS=300)', () => {
    let h: Harness;
    let server: Server;
    let port: number;
    before(async () => {
      h = await startHarness({ clients: clients(), env: { HTTP_BODY_TIMEOUT_MS: '300', HTTP_HEADERS_TIMEOUT_MS: '300' } });
      ({ server, port } = await listen(h));
    });
    after(async () => {
      await close(server);
      await h.close();
    });

    it('a body that does not arrive in time: 408 request_timeout naming the setting, connection closed', async () => {
      const received = await new RawExchange(port, slowPost(await tokenFor(h, keyA, A))).closed;
      assert.match(received, /^HTTP\/1\.1 408 /);
      assert.match(received, /connection: close/i);
      assert.match(received, /"error":"request_timeout"/);
      assert.match(received, /within 300 ms \(HTTP_BODY_TIMEOUT_MS\)/);
    });

    it('headers that do not arrive in time: 408, connection closed', async () => {
      const received = await new RawExchange(port, `GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `).closed;
      assert.match(received, /^HTTP\/1\.1 408 /);
    });

    it('the server is configured from the settings (keep-alive, headers, whole request)', () => {
      assert.equal(server.headersTimeout, 300);
      assert.equal(server.requestTimeout, 600);
      assert.equal(server.keepAliveTimeout, 5000);
    });
  });

  describe('fairness (MAX_IN_FLIGHT=4, default body timeout)', () => {
    let h: Harness;
    let server: Server;
    let port: number;
    let limit: InFlightLimit;
    const admitted: string[] = [];
    let waiting: { caller: string; count: number; resolve: () => void } | undefined;
    const admissions = (caller: string, count: number) =>
      admitted.filter((c) => c === caller).length >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { caller, count, resolve }));

    before(async () => {
      limit = inFlightLimit(4, {
        onAdmit: (caller) => {
          admitted.push(caller);
          if (waiting && admitted.filter((c) => c === waiting!.caller).length >= waiting.count) waiting.resolve();
        },
      });
      h = await startHarness({ clients: clients(), inFlightLimit: limit });
      ({ server, port } = await listen(h));
    });
    after(async () => {
      await close(server);
      await h.close();
    });

    it("one client's slow bodies take the whole limit; another client is still served; unauthenticated requests hold no slot", async () => {
      // Unauthenticated slow bodies: answered 401 on their headers, never admitted.
      const anonymous = Array.from({ length: 6 }, () => new RawExchange(port, slowPost(undefined)));
      const anonymousAnswers = await Promise.all(anonymous.map((x) => x.closed));
      assert.ok(anonymousAnswers.every((r) => /^HTTP\/1\.1 401 /.test(r)), anonymousAnswers.map((r) => r.slice(0, 20)).join(' | '));
      assert.equal(limit.inFlight(), 0);

      // Client A alone fills the limit with bodies that never complete.
      const slow = await Promise.all(Array.from({ length: 4 }, async () => new RawExchange(port, slowPost(await tokenFor(h, keyA, A)))));
      await admissions(`iss:${A}`, 4);
      assert.equal(limit.inFlightOf(`iss:${A}`), 4, 'a client alone may use the whole limit');

      // A's next request is refused at once: it holds at least its share and the limit is reached.
      const more = await fetch(`http://127.0.0.1:${port}${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenFor(h, keyA, A)}`, 'content-type': 'application/json' },
        body: JSON.stringify(requestFromContextExample('order-select', 'hook-context-order-select-r4.json')),
      });
      assert.equal(more.status, 503);
      assert.equal(more.headers.get('retry-after'), '1');
      await more.text();

      // Client B is served while A's slow bodies still hold their slots.
      const body = withEsketamineOrder(requestFromContextExample('order-select', 'hook-context-order-select-r4.json', { conditions: searchset([aneurysm()]) }));
      const served = await fetch(`http://127.0.0.1:${port}${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenFor(h, keyB, B)}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(served.status, 200, await served.clone().text());
      assert.equal(((await served.json()) as { cards: unknown[] }).cards.length, 1);
      assert.equal(limit.inFlightOf(`iss:${A}`), 4, "A's slow requests were still in flight");

      for (const exchange of slow) exchange.destroy();
      await Promise.all(slow.map((x) => x.closed));
    });
  });
});
