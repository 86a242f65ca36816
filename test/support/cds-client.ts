/**
 * Plays the CDS client (EHR) against the app: every call carries a fresh bearer JWT whose `aud` is the
 * public URL of the endpoint called (as the Sandbox does), and every response is checked against its
 * schema (response-schema.ts). Without a key it calls unauthenticated (open mode).
 */
import request, { type Response } from 'supertest';
import type express from 'express';
import { conforming } from './response-schema.js';
import { signClientToken, type TestKey } from './client-tokens.js';
import { PUBLIC_BASE_URL } from './server-harness.js';

export interface CdsClientOptions {
  key?: TestKey;
  iss?: string;
  now: () => Date;
}

export class TestCdsClient {
  constructor(
    private readonly app: express.Express,
    private readonly options: CdsClientOptions,
  ) {}

  async authorization(path: string): Promise<Record<string, string>> {
    if (!this.options.key || !this.options.iss) return {};
    const token = await signClientToken({ key: this.options.key, iss: this.options.iss, aud: PUBLIC_BASE_URL + path, now: this.options.now() });
    return { Authorization: `Bearer ${token}` };
  }

  async discover(): Promise<Response> {
    return conforming(request(this.app).get('/cds-services').set(await this.authorization('/cds-services')));
  }

  async call(serviceId: string, body: unknown): Promise<Response> {
    const path = `/cds-services/${serviceId}`;
    return conforming(request(this.app).post(path).set(await this.authorization(path)).send(body as object));
  }

  async feedback(serviceId: string, body: unknown): Promise<Response> {
    const path = `/cds-services/${serviceId}/feedback`;
    return conforming(request(this.app).post(path).set(await this.authorization(path)).send(body as object));
  }
}
