-- Everything compliance relies on is hash-chained (store/audit-chain.ts, store/README.md):
--   - lifecycle_events (every publication, submission, approval, activation and retirement): its own
--     chain; a publication event's hash also covers the published version's identity (content hash,
--     author, published_at, effective period), so an edit of a rule_set_versions row is caught too;
--   - feedback: its own chain;
--   - decisions: already chained (migration 002); field_digests is added for naming edited fields.
-- Each chained row carries prev_hash, hash and field_digests (a short SHA-256 of each chained field,
-- not part of the hash: it only lets verification name the field that was edited).
-- audit_chain_heads holds the last seq/id and hash of the lifecycle and feedback chains, updated in
-- the same transaction as every append (writers lock its row). audit_checkpoints holds signed chain
-- heads (AUDIT_SIGNING_KEY).
--
-- Rows that exist when this migration runs are chained once, in order, right after it (the
-- migration's seal step in store/migrations.ts, same transaction). The update triggers allow setting
-- prev_hash/hash/field_digests only on a row that has no hash yet, and nothing else.

ALTER TABLE lifecycle_events ADD COLUMN prev_hash TEXT;
ALTER TABLE lifecycle_events ADD COLUMN hash TEXT;
ALTER TABLE lifecycle_events ADD COLUMN field_digests TEXT;

DROP TRIGGER lifecycle_events_append_only ON lifecycle_events;
CREATE TRIGGER lifecycle_events_no_delete
BEFORE DELETE ON lifecycle_events
FOR EACH ROW EXECUTE FUNCTION refuse_change('lifecycle events are append-only');
CREATE TRIGGER lifecycle_events_no_update
BEFORE UPDATE ON lifecycle_events
FOR EACH ROW WHEN (
  OLD.hash IS NOT NULL
  OR (NEW.seq, NEW.rule_set_id, NEW.version, NEW.from_state, NEW.to_state, NEW.actor, NEW.reason, NEW.at, NEW.at_ms)
     IS DISTINCT FROM (OLD.seq, OLD.rule_set_id, OLD.version, OLD.from_state, OLD.to_state, OLD.actor, OLD.reason, OLD.at, OLD.at_ms)
)
EXECUTE FUNCTION refuse_change('lifecycle events are append-only');

ALTER TABLE feedback ADD COLUMN prev_hash TEXT;
ALTER TABLE feedback ADD COLUMN hash TEXT;
ALTER TABLE feedback ADD COLUMN field_digests TEXT;

DROP TRIGGER feedback_append_only ON feedback;
CREATE TRIGGER feedback_no_delete
BEFORE DELETE ON feedback
FOR EACH ROW EXECUTE FUNCTION refuse_change('feedback is append-only');
CREATE TRIGGER feedback_no_update
BEFORE UPDATE ON feedback
FOR EACH ROW WHEN (
  OLD.hash IS NOT NULL
  OR (NEW.id, NEW.card_uuid, NEW.service_id, NEW.outcome, NEW.accepted_suggestions, NEW.override_reason_code,
      NEW.override_reason_system, NEW.override_reason_display, NEW.user_comment, NEW.outcome_timestamp,
      NEW.outcome_at_ms, NEW.received_at, NEW.client_iss)
     IS DISTINCT FROM (OLD.id, OLD.card_uuid, OLD.service_id, OLD.outcome, OLD.accepted_suggestions, OLD.override_reason_code,
      OLD.override_reason_system, OLD.override_reason_display, OLD.user_comment, OLD.outcome_timestamp,
      OLD.outcome_at_ms, OLD.received_at, OLD.client_iss)
)
EXECUTE FUNCTION refuse_change('feedback is append-only');

ALTER TABLE decisions ADD COLUMN field_digests TEXT;

CREATE TRIGGER decisions_field_digests_no_update
BEFORE UPDATE OF field_digests ON decisions
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');

CREATE TABLE audit_chain_heads (
  chain TEXT PRIMARY KEY CHECK (chain IN ('lifecycle', 'feedback')),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_chain_heads (chain, seq, hash) VALUES
  ('lifecycle', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
  ('feedback', 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_checkpoints (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL,
  heads TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_append_only
BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION refuse_change('audit checkpoints are append-only');
