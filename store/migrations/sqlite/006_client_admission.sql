-- Client admission state shared by every server process on this store (server/auth/replay-cache.ts,
-- server/http/rate-limit.ts; store/seen-token-ids.ts, store/rate-limit-buckets.ts).
--
-- seen_token_ids: the jti of every accepted client token, per issuer, until the token could no longer
-- be accepted anyway (forget_after_ms); a replay after a restart or on another replica is refused.
-- seen_token_id_counts: live entries per issuer, so each client has a bounded share of its own: one
-- client can neither fill another's share nor make the store forget another's entries.
-- rate_limit_buckets: one token bucket per caller (client iss, or peer address in open mode).

CREATE TABLE seen_token_ids (
  issuer TEXT NOT NULL,
  jti TEXT NOT NULL,
  forget_after_ms INTEGER NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX seen_token_ids_expiry ON seen_token_ids (issuer, forget_after_ms);

CREATE TABLE seen_token_id_counts (
  issuer TEXT PRIMARY KEY,
  live INTEGER NOT NULL
);

CREATE TABLE rate_limit_buckets (
  caller TEXT PRIMARY KEY,
  tokens REAL NOT NULL,
  updated_ms INTEGER NOT NULL,
  taken INTEGER NOT NULL
);
