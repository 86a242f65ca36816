/**
 * A small but real OAuth 2.0 authorization server for SMART EHR launches in tests and in the
 * demonstration (`npm run demo:course`): the EHR's part of the SMART App Launch (authorization code
 * grant, RFC 6749 section 4.1, with PKCE S256, RFC 7636), on 127.0.0.1 with an ephemeral port.
 *
 *   const auth = await startSmartAuthServer({ fhirBaseUrl, clients: [{ clientId, redirectUris }], accessToken });
 *   const launch = auth.createLaunch({ patient: 'pat-1', appContext: 'ruleSet=…' });   // what the EHR puts in context
 *   auth.smartConfiguration      // for the FHIR server's /.well-known/smart-configuration
 *   auth.requests                // what arrived
 *
 *   GET  /authorize   response_type=code, a registered client_id and exactly one of its redirect URIs,
 *                     aud = the FHIR base URL, a launch id this server created, state, and (when sent)
 *                     code_challenge with method S256. Auto-approves (the EHR user is signed in) and
 *                     redirects to redirect_uri?code&state; a bad client or redirect URI gets a 400
 *                     page (never a redirect), anything else redirect_uri?error=…&state.
 *   POST /token       grant_type=authorization_code, the code (single use, 60 s), the same redirect_uri
 *                     and client_id, the PKCE code_verifier. Answers {access_token, token_type, expires_in,
 *                     scope, patient, appContext?, need_patient_banner} with CORS for the browser app.
 *
 * Why not the npm package oidc-provider: it returns only standard OAuth/OIDC members in the token
 * response (SMART's `patient` and CDS Hooks' `appContext` need its internals patched) and needs an
 * interactive login and consent flow; this server implements exactly the part of the protocol a SMART
 * EHR launch uses, with the checks a real one makes.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SmartClientRegistration {
  clientId: string;
  redirectUris: string[];
}

export interface SmartAuthServerOptions {
  /** The FHIR server the tokens are for (the `aud` an app must ask for). */
  fhirBaseUrl: string;
  clients: SmartClientRegistration[];
  /** The access token issued (the test FHIR server's requireToken); default: random. */
  accessToken?: string;
}

export interface LaunchContext {
  patient: string;
  appContext?: string;
}

export interface SmartAuthServer {
  origin: string;
  authorizeUrl: string;
  tokenUrl: string;
  accessToken: string;
  /** The SMART configuration document for the FHIR server's /.well-known/smart-configuration. */
  smartConfiguration: Record<string, unknown>;
  /** Registers a launch (what an EHR does when the user clicks a card's SMART link); returns its id. */
  createLaunch(context: LaunchContext): string;
  /** Every request: method, path (no query values that are secrets: codes and verifiers are not kept). */
  requests: Array<{ method: string; path: string; origin?: string }>;
  /** Token responses given (patient and appContext), in order. */
  issued: Array<{ clientId: string; patient: string; appContext?: string }>;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  scope: string;
  launch: LaunchContext;
  expires: number;
}

const CODE_TTL_MS = 60_000;

function base64url(buffer: Buffer): string {
  return buffer.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function startSmartAuthServer(opts: SmartAuthServerOptions): Promise<SmartAuthServer> {
  const accessToken = opts.accessToken ?? base64url(randomBytes(24));
  const launches = new Map<string, LaunchContext>();
  const codes = new Map<string, PendingCode>();
  const requests: SmartAuthServer['requests'] = [];
  const issued: SmartAuthServer['issued'] = [];
  const sockets = new Set<Socket>();
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type, authorization', 'access-control-allow-methods': 'POST, OPTIONS' };

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...cors });
    res.end(text);
  };
  const page = (res: http.ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(text);
  };

  function authorize(url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    const client = opts.clients.find((c) => c.clientId === q.get('client_id'));
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!client) return page(res, 400, 'unknown client_id');
    if (!client.redirectUris.includes(redirectUri)) return page(res, 400, 'redirect_uri is not registered for this client');
    const back = (params: Record<string, string>): void => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      const state = q.get('state');
      if (state !== null) target.searchParams.set('state', state);
      res.writeHead(302, { location: target.toString() });
      res.end();
    };
    if (q.get('response_type') !== 'code') return back({ error: 'unsupported_response_type' });
    if ((q.get('aud') ?? '').replace(/\/+$/, '') !== opts.fhirBaseUrl.replace(/\/+$/, '')) return back({ error: 'invalid_request', error_description: 'aud is not this EHR\'s FHIR server' });
    const launch = launches.get(q.get('launch') ?? '');
    if (launch === undefined) return back({ error: 'invalid_request', error_description: 'unknown launch' });
    const challenge = q.get('code_challenge') ?? undefined;
    if (challenge !== undefined && q.get('code_challenge_method') !== 'S256') return back({ error: 'invalid_request', error_description: 'only S256 code challenges' });
    const code = base64url(randomBytes(24));
    codes.set(code, { clientId: client.clientId, redirectUri, challenge, scope: q.get('scope') ?? '', launch, expires: Date.now() + CODE_TTL_MS });
    back({ code });
  }

  function token(form: URLSearchParams, res: http.ServerResponse): void {
    if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type' });
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // single use, whatever happens next
    if (pending === undefined || pending.expires < Date.now()) return json(res, 400, { error: 'invalid_grant', error_description: 'unknown or expired code' });
    if (form.get('client_id') !== pending.clientId) return json(res, 400, { error: 'invalid_client' });
    if (form.get('redirect_uri') !== pending.redirectUri) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri differs' });
    if (pending.challenge !== undefined) {
      const verifier = form.get('code_verifier') ?? '';
      if (base64url(createHash('sha256').update(verifier).digest()) !== pending.challenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }
    }
    issued.push({ clientId: pending.clientId, patient: pending.launch.patient, ...(pending.launch.appContext ? { appContext: pending.launch.appContext } : {}) });
    json(res, 200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 3600,
      scope: pending.scope,
      patient: pending.launch.patient,
      need_patient_banner: true,
      ...(pending.launch.appContext ? { appContext: pending.launch.appContext } : {}),
    });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    requests.push({ method: req.method ?? '', path: url.pathname, ...(req.headers.origin ? { origin: req.headers.origin } : {}) });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/token') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => token(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), res));
      return;
    }
    page(res, 404, 'not found');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    authorizeUrl: `${origin}/authorize`,
    tokenUrl: `${origin}/token`,
    accessToken,
    smartConfiguration: {
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      capabilities: ['launch-ehr', 'client-public', 'context-ehr-patient', 'permission-patient'],
      scopes_supported: ['launch', 'launch/patient', 'openid', 'fhirUser', 'patient/*.read'],
    },
    createLaunch(context) {
      const id = base64url(randomBytes(12));
      launches.set(id, context);
      return id;
    },
    requests,
    issued,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
