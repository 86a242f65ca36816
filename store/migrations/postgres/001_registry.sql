-- Rule-set registry: immutable published versions, their lifecycle event log, and a revision
-- counter that every registry change bumps (servers poll it). Registry writes lock the
-- registry_revision row first, so they are serialised across processes.

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;

CREATE TABLE registry_revision (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision BIGINT NOT NULL
);
INSERT INTO registry_revision (id, revision) VALUES (1, 0);

CREATE TABLE rule_set_versions (
  rule_set_id TEXT NOT NULL,
  version TEXT NOT NULL,
  hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft', 'in-review', 'approved', 'active', 'retired')),
  content TEXT NOT NULL,
  author TEXT NOT NULL,
  published_at TEXT NOT NULL,
  effective_start TEXT NOT NULL,
  effective_end TEXT,
  PRIMARY KEY (rule_set_id, version)
);

-- At most one active version per rule set.
CREATE UNIQUE INDEX rule_set_versions_one_active ON rule_set_versions (rule_set_id) WHERE state = 'active';

CREATE TRIGGER rule_set_versions_immutable
BEFORE UPDATE OF rule_set_id, version, hash, content, author, published_at, effective_start, effective_end ON rule_set_versions
FOR EACH ROW EXECUTE FUNCTION refuse_change('rule-set versions are immutable once published');

CREATE TRIGGER rule_set_versions_no_delete
BEFORE DELETE ON rule_set_versions
FOR EACH ROW EXECUTE FUNCTION refuse_change('published rule-set versions cannot be deleted');

CREATE TABLE lifecycle_events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_set_id TEXT NOT NULL,
  version TEXT NOT NULL,
  from_state TEXT CHECK (from_state IN ('draft', 'in-review', 'approved', 'active', 'retired')),
  to_state TEXT NOT NULL CHECK (to_state IN ('draft', 'in-review', 'approved', 'active', 'retired')),
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
CREATE INDEX lifecycle_events_rule_set ON lifecycle_events (rule_set_id, seq);

CREATE TRIGGER lifecycle_events_append_only
BEFORE UPDATE OR DELETE ON lifecycle_events
FOR EACH ROW EXECUTE FUNCTION refuse_change('lifecycle events are append-only');
