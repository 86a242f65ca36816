-- Decision records: append-only and hash-chained (store/decision-hash.ts). Appends lock the chain
-- head row (SELECT … FOR UPDATE), so seq and prev_hash are assigned atomically across processes;
-- the head is updated in the same transaction and verification checks the last record against it.
-- decision_cards and decision_fired_rules index the JSON columns for lookups and filters.

CREATE TABLE decision_chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO decision_chain_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE decisions (
  seq BIGINT PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  at TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  service_id TEXT NOT NULL,
  hook TEXT NOT NULL,
  hook_instance TEXT NOT NULL,
  client_iss TEXT,
  tenant TEXT,
  patient_key TEXT NOT NULL,
  rule_set_id TEXT NOT NULL,
  rule_set_version TEXT NOT NULL,
  rule_set_hash TEXT NOT NULL,
  evaluation_now TEXT NOT NULL,
  input_fingerprint TEXT NOT NULL,
  fired TEXT NOT NULL,
  cards TEXT NOT NULL,
  latency_ms DOUBLE PRECISION NOT NULL,
  status INTEGER NOT NULL,
  snapshot BYTEA,
  snapshot_sha256 TEXT,
  snapshot_expires_at TEXT
);
CREATE INDEX decisions_at ON decisions (at_ms);
CREATE INDEX decisions_service ON decisions (service_id, seq);
CREATE INDEX decisions_version ON decisions (rule_set_version, seq);
CREATE INDEX decisions_snapshot_expiry ON decisions (snapshot_expires_at) WHERE snapshot IS NOT NULL;

CREATE TABLE decision_cards (
  card_uuid TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  rule_id TEXT NOT NULL,
  indicator TEXT NOT NULL
);
CREATE INDEX decision_cards_seq ON decision_cards (seq);
CREATE INDEX decision_cards_rule ON decision_cards (rule_id, seq);

CREATE TABLE decision_fired_rules (
  rule_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (rule_id, seq)
);

-- Append-only: only purging an expired snapshot (setting snapshot to NULL) is allowed.
CREATE TRIGGER decisions_no_update
BEFORE UPDATE OF seq, prev_hash, hash, at, at_ms, service_id, hook, hook_instance, client_iss, tenant, patient_key,
  rule_set_id, rule_set_version, rule_set_hash, evaluation_now, input_fingerprint, fired, cards, latency_ms, status,
  snapshot_sha256, snapshot_expires_at ON decisions
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');

CREATE TRIGGER decisions_snapshot_purge_only
BEFORE UPDATE OF snapshot ON decisions
FOR EACH ROW WHEN (NEW.snapshot IS NOT NULL)
EXECUTE FUNCTION refuse_change('decision records are append-only (a snapshot can only be purged)');

CREATE TRIGGER decisions_no_delete
BEFORE DELETE ON decisions
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');

CREATE TRIGGER decision_cards_append_only
BEFORE UPDATE OR DELETE ON decision_cards
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');

CREATE TRIGGER decision_fired_rules_append_only
BEFORE UPDATE OR DELETE ON decision_fired_rules
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');
