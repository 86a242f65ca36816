/**
 * The performance targets, as named values (issue "Performance: a benchmark suite measured against the
 * ceiling"). bench/run.ts prints each one next to the figure it judges, with PASS or MISS.
 */
export const TARGETS = Object.freeze({
  /** order-sign with prefetch, no JWT: requests per second as a share of the ceiling's (10 and 50 connections). */
  orderSignMinShareOfCeiling: 0.5,
  /** order-sign with prefetch, no JWT: p99 latency at 50 connections (ms). */
  orderSignMaxP99MsAt50: 15,
  /** order-sign with prefetch and an RS384 JWT per request: share of the ceiling's requests per second. */
  orderSignJwtMinShareOfCeiling: 0.4,
  /** FHIR fallback: end-to-end latency / slowest single FHIR query latency (queries run concurrently). */
  fhirFallbackMaxRatio: 1.3,
  /** Engine only, 10,000 generated rules: milliseconds per evaluation. */
  engine10kMaxMsPerEval: 50,
  /** Start-up with the embedded store: spawn to first 200 from /readyz (ms). */
  startupMaxMs: 1000,
  /** Peak resident memory of the server under load (MB). */
  maxRssMb: 200,
});

export interface Check {
  /** What is judged, e.g. "rps >= 50% of ceiling". */
  target: string;
  pass: boolean;
}

export function check(target: string, pass: boolean): Check {
  return { target, pass };
}
