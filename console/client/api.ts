/**
 * Calls to the admin JSON API with the signed-in user's bearer token (from sessionStorage, see
 * session.ts). The token goes in the Authorization header only: never in a URL, never logged.
 * A refusal (4xx/5xx) becomes an ApiError carrying the API's own message, which pages show as is.
 */
import { currentToken, forgetToken } from './session.js';

export const API_BASE = '/admin/api';

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, message: string, body: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** Listeners told when the API says the token is no longer valid (401). */
const signedOutListeners: Array<(message: string) => void> = [];
export function onSignedOut(listener: (message: string) => void): void {
  signedOutListeners.push(listener);
}

function messageOf(status: number, body: unknown, fallback: string): string {
  if (body !== null && typeof body === 'object') {
    const b = body as { message?: unknown; problems?: Array<{ pointer?: string; message?: string }> };
    const problems = Array.isArray(b.problems) ? b.problems.map((p) => `${p.pointer || '(body)'}: ${p.message}`) : [];
    if (typeof b.message === 'string') {
      return problems.length > 0 && !problems.every((p) => b.message === p || String(b.message).includes(p))
        ? `${b.message} — ${problems.slice(0, 5).join('; ')}`
        : b.message;
    }
  }
  return `${fallback} (HTTP ${status})`;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown, token = currentToken()): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The service could not be reached. Check that it is running and try again.', undefined);
  }
  if (!response.ok) {
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const message = messageOf(response.status, parsed, `${method} ${API_BASE}${path} failed`);
    if (response.status === 401 && token !== undefined) {
      forgetToken();
      for (const l of signedOutListeners) l(message);
    }
    throw new ApiError(response.status, message, parsed);
  }
  return response;
}

export async function apiGet<T>(path: string, token?: string): Promise<T> {
  const response = await call('GET', path, undefined, token ?? currentToken());
  return (await response.json()) as T;
}

export async function apiPost<T>(path: string, body: unknown): Promise<T> {
  const response = await call('POST', path, body);
  return (await response.json()) as T;
}

/** For downloads (export): the raw body as a Blob. */
export async function apiGetBlob(path: string): Promise<Blob> {
  const response = await call('GET', path);
  return response.blob();
}

/** Builds "?a=1&b=2" from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
