/**
 * Remembers the `jti` of every accepted client token until the token could no longer be accepted
 * anyway (min(exp, iat + max age) + clock skew), so that a captured token cannot be replayed.
 * In memory and bounded: when full of live entries it refuses new tokens (fail closed) rather than
 * forget one that could then be replayed. Several replicas behind one load balancer each have their
 * own cache: they need a shared one (see docs/configuration.md, "Client trust").
 */

export const DEFAULT_REPLAY_CACHE_CAPACITY = 200_000;

export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

export class ReplayCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly capacity = DEFAULT_REPLAY_CACHE_CAPACITY) {}

  get size(): number {
    return this.entries.size;
  }

  /** Records (iss, jti) until `forgetAfterMs` (epoch ms) unless it was already seen. */
  checkAndRemember(iss: string, jti: string, forgetAfterMs: number, nowMs: number): ReplayVerdict {
    const key = `${iss}\u0000${jti}`;
    const until = this.entries.get(key);
    if (until !== undefined && until >= nowMs) return 'replayed';
    if (until === undefined && this.entries.size >= this.capacity) {
      this.purge(nowMs);
      if (this.entries.size >= this.capacity) return 'full';
    }
    this.entries.set(key, forgetAfterMs);
    return 'fresh';
  }

  purge(nowMs: number): void {
    for (const [key, until] of this.entries) if (until < nowMs) this.entries.delete(key);
  }
}
