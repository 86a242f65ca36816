/**
 * The HTTP server the app listens through (server/main.ts), with its timeouts set from the
 * configuration, so that a slow or silent client cannot hold a connection (and, for a service call, an
 * in-flight slot) for long:
 *   HTTP_HEADERS_TIMEOUT_MS     the request line and headers must arrive within this (Node answers 408
 *                               and closes the connection);
 *   HTTP_BODY_TIMEOUT_MS        a JSON body must arrive within this once reading starts: the service
 *                               answers 408 {"error":"request_timeout"} and closes the connection
 *                               (server/http/json-body.ts); Node's requestTimeout (headers + body) is
 *                               the backstop for every other route;
 *   HTTP_KEEP_ALIVE_TIMEOUT_MS  an idle kept-alive connection is closed after this.
 * Node checks the headers and request timeouts on a timer (connectionsCheckingInterval), set here to a
 * quarter of the shorter one (at most 1 s), so they fire close to the configured time.
 */
import http from 'node:http';
import type { RequestListener } from 'node:http';
import type { Config } from '../config.js';

export type HttpTimeouts = Pick<Config, 'httpHeadersTimeoutMs' | 'httpBodyTimeoutMs' | 'httpKeepAliveTimeoutMs'>;

export function httpServerOptions(timeouts: HttpTimeouts): http.ServerOptions {
  const shortest = Math.min(timeouts.httpHeadersTimeoutMs, timeouts.httpBodyTimeoutMs);
  return {
    headersTimeout: timeouts.httpHeadersTimeoutMs,
    requestTimeout: timeouts.httpHeadersTimeoutMs + timeouts.httpBodyTimeoutMs,
    keepAliveTimeout: timeouts.httpKeepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(shortest / 4))),
  };
}

export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts): http.Server {
  return http.createServer(httpServerOptions(timeouts), app);
}
