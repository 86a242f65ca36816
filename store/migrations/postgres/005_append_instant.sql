-- Decisions tied to the version in force when they are appended (store/version-check.ts).
--
-- appendDecision checks, inside the chain-head lock, that a decision's rule-set version is the
-- registry's active version at the instant it is appended, and records that instant in
-- decisions.appended_at (part of the chained record; absent on records appended before this
-- migration). Registry changes that change which version is active take the chain-head lock too.
--
-- decision_chain_head.last_at_ms is the latest instant the chain or such a registry change has
-- recorded: appends are stamped at or after it, registry changes strictly after it, so
-- activeVersionAt(appended_at) is exactly the version the append was checked against, whatever the
-- clocks of the processes sharing the database say.

ALTER TABLE decisions ADD COLUMN appended_at TEXT;

CREATE TRIGGER decisions_appended_at_no_update
BEFORE UPDATE OF appended_at ON decisions
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');

ALTER TABLE decision_chain_head ADD COLUMN last_at_ms BIGINT NOT NULL DEFAULT 0;

UPDATE decision_chain_head
SET last_at_ms = GREATEST(
  COALESCE((SELECT max(at_ms) FROM decisions), 0),
  COALESCE((SELECT max(at_ms) FROM lifecycle_events), 0)
)
WHERE id = 1;
