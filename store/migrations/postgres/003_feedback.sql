-- Feedback from CDS clients: append-only, joined to decisions by card uuid, deduplicated by
-- card + outcome + outcome instant.

CREATE TABLE feedback (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  card_uuid TEXT NOT NULL,
  service_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  accepted_suggestions TEXT NOT NULL,
  override_reason_code TEXT,
  override_reason_system TEXT,
  override_reason_display TEXT,
  user_comment TEXT,
  outcome_timestamp TEXT NOT NULL,
  outcome_at_ms BIGINT NOT NULL,
  received_at TEXT NOT NULL,
  client_iss TEXT,
  UNIQUE (card_uuid, outcome, outcome_at_ms)
);

CREATE TRIGGER feedback_append_only
BEFORE UPDATE OR DELETE ON feedback
FOR EACH ROW EXECUTE FUNCTION refuse_change('feedback is append-only');
