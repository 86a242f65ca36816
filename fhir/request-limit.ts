/**
 * At most `maxPerServer` requests in flight to one FHIR server (by origin), across every service call of
 * this process; further requests wait in arrival order until a slot frees or their call's deadline passes.
 *
 * Why: each call fans out into one request per prefetch key (12 for order-sign), so 50 concurrent calls
 * open 600 concurrent requests to the EHR's FHIR server, hold 600 sockets and response buffers in this
 * process, and can overload the EHR. The bound is opt-in (FHIR_MAX_CONCURRENT_REQUESTS, default none):
 * where the FHIR server's latency rather than its capacity is the limit, it caps throughput at
 * bound / latency (measured in docs/configuration.md), so it is for protecting an EHR, not a free win.
 *
 * A waiter whose signal aborts (the resolver's one deadline) leaves the queue at once and gets the abort
 * reason, which the fetcher reports as the deadline, as it does for a request cut off in flight.
 */

interface Waiter {
  grant: (release: () => void) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

interface ServerSlots {
  active: number;
  waiting: Waiter[];
}

export class FhirRequestLimit {
  private readonly servers = new Map<string, ServerSlots>();

  constructor(readonly maxPerServer: number) {
    if (!Number.isInteger(maxPerServer) || maxPerServer < 1) {
      throw new RangeError(`FhirRequestLimit: maxPerServer must be a positive integer, got ${String(maxPerServer)}`);
    }
  }

  /** Runs `request` when a slot for `fhirServer`'s origin is free; rejects with the abort reason if `signal` aborts first. */
  async run<T>(fhirServer: string, signal: AbortSignal, request: () => Promise<T>): Promise<T> {
    const release = await this.acquire(new URL(fhirServer).origin, signal);
    try {
      return await request();
    } finally {
      release();
    }
  }

  /** Requests in flight and waiting for one origin (for tests and diagnostics). */
  usage(origin: string): { active: number; waiting: number } {
    const slots = this.servers.get(origin);
    return { active: slots?.active ?? 0, waiting: slots?.waiting.length ?? 0 };
  }

  private acquire(origin: string, signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let slots = this.servers.get(origin);
    if (slots === undefined) {
      slots = { active: 0, waiting: [] };
      this.servers.set(origin, slots);
    }
    if (slots.active < this.maxPerServer) {
      slots.active += 1;
      return Promise.resolve(this.releaser(origin, slots));
    }
    const queue = slots;
    return new Promise<() => void>((grant, reject) => {
      const waiter: Waiter = {
        grant,
        signal,
        onAbort: () => {
          const at = queue.waiting.indexOf(waiter);
          if (at >= 0) queue.waiting.splice(at, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      queue.waiting.push(waiter);
    });
  }

  /** A one-shot release: hands the slot to the next waiter, or frees it. */
  private releaser(origin: string, slots: ServerSlots): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slots.waiting.shift();
      if (next !== undefined) {
        next.signal.removeEventListener('abort', next.onAbort);
        next.grant(this.releaser(origin, slots));
        return;
      }
      slots.active -= 1;
      if (slots.active === 0) this.servers.delete(origin);
    };
  }
}
