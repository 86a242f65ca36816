-- Everything compliance relies on is hash-chained (store/audit-chain.ts, store/README.md):
--   - lifecycle_events (every publication, submission, approval, activation and retirement): its own
--     chain; a publication event's hash also covers the published version's identity (content hash,
--     author, published_at, effective period), so an edit of a rule_set_versions row is caught too;
--   - feedback: its own chain;
--   - decisions: already chained (migration 002); field_digests is added for naming edited fields.
-- Each chained row carries prev_hash, hash and field_digests (a short SHA-256 of each chained field,
-- not part of the hash: it only lets verification name the field that was edited).
-- audit_chain_heads holds the last seq/id and hash of the lifecycle and feedback chains, updated in
-- the same transaction as every append. audit_checkpoints holds signed chain heads (AUDIT_SIGNING_KEY).
--
-- Rows that exist when this migration runs are chained once, in order, right after it (the
-- migration's seal step in store/migrations.ts, same transaction). The update triggers allow setting
-- prev_hash/hash/field_digests only on a row that has no hash yet, and nothing else.

ALTER TABLE lifecycle_events ADD COLUMN prev_hash TEXT;
ALTER TABLE lifecycle_events ADD COLUMN hash TEXT;
ALTER TABLE lifecycle_events ADD COLUMN field_digests TEXT;

DROP TRIGGER lifecycle_events_no_update;
CREATE TRIGGER lifecycle_events_no_update
BEFORE UPDATE ON lifecycle_events
WHEN OLD.hash IS NOT NULL
  OR NEW.seq IS NOT OLD.seq OR NEW.rule_set_id IS NOT OLD.rule_set_id OR NEW.version IS NOT OLD.version
  OR NEW.from_state IS NOT OLD.from_state OR NEW.to_state IS NOT OLD.to_state OR NEW.actor IS NOT OLD.actor
  OR NEW.reason IS NOT OLD.reason OR NEW.at IS NOT OLD.at OR NEW.at_ms IS NOT OLD.at_ms
BEGIN
  SELECT RAISE(ABORT, 'lifecycle events are append-only');
END;

ALTER TABLE feedback ADD COLUMN prev_hash TEXT;
ALTER TABLE feedback ADD COLUMN hash TEXT;
ALTER TABLE feedback ADD COLUMN field_digests TEXT;

DROP TRIGGER feedback_no_update;
CREATE TRIGGER feedback_no_update
BEFORE UPDATE ON feedback
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.card_uuid IS NOT OLD.card_uuid OR NEW.service_id IS NOT OLD.service_id
  OR NEW.outcome IS NOT OLD.outcome OR NEW.accepted_suggestions IS NOT OLD.accepted_suggestions
  OR NEW.override_reason_code IS NOT OLD.override_reason_code OR NEW.override_reason_system IS NOT OLD.override_reason_system
  OR NEW.override_reason_display IS NOT OLD.override_reason_display OR NEW.user_comment IS NOT OLD.user_comment
  OR NEW.outcome_timestamp IS NOT OLD.outcome_timestamp OR NEW.outcome_at_ms IS NOT OLD.outcome_at_ms
  OR NEW.received_at IS NOT OLD.received_at OR NEW.client_iss IS NOT OLD.client_iss
BEGIN
  SELECT RAISE(ABORT, 'feedback is append-only');
END;

ALTER TABLE decisions ADD COLUMN field_digests TEXT;

CREATE TRIGGER decisions_field_digests_no_update
BEFORE UPDATE OF field_digests ON decisions
BEGIN
  SELECT RAISE(ABORT, 'decision records are append-only');
END;

CREATE TABLE audit_chain_heads (
  chain TEXT PRIMARY KEY CHECK (chain IN ('lifecycle', 'feedback')),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_chain_heads (chain, seq, hash) VALUES
  ('lifecycle', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
  ('feedback', 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  heads TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update
BEFORE UPDATE ON audit_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete
BEFORE DELETE ON audit_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
