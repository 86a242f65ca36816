/**
 * A real HTTP server on 127.0.0.1 that records every request it receives (the SSRF tests' witness:
 * "never contacted" means this list stays empty). Answers with whatever `respond` says.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedHit {
  method: string;
  url: string;
  authorization?: string;
}

export type Responder = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RecordingServer {
  origin: string;
  hits: RecordedHit[];
  respond: Responder;
  close(): Promise<void>;
}

export async function startRecordingServer(respond: Responder = (_req, res) => res.writeHead(404).end()): Promise<RecordingServer> {
  const sockets = new Set<Socket>();
  const recording: RecordingServer = { origin: '', hits: [], respond, close: async () => undefined };
  const server = http.createServer((req, res) => {
    recording.hits.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    recording.respond(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recording.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  recording.close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return recording;
}

/** 302 to `location`. */
export const redirectTo =
  (location: string): Responder =>
  (_req, res) =>
    res.writeHead(302, { location }).end();

/** 200 with a JSON body. */
export const json =
  (body: unknown, contentType = 'application/json'): Responder =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': contentType }).end(JSON.stringify(body));
