-- The rules credited with each card: the card's own rule, or every contributing rule of a merged card
-- (cards[].ruleIds, docs/rule-format.md section 10). Override statistics and the rule filter read this
-- table, so feedback on a merged card counts for each of its contributors. Like decision_cards it is
-- an index of the chained JSON, append-only.
--
-- Cards recorded before this migration are backfilled: their rule_id, plus the fired rules the
-- decision recorded as merged into that card (fired[] entries with mergedInto and cardUuid = the card).

CREATE TABLE decision_card_rules (
  card_uuid TEXT NOT NULL,
  seq BIGINT NOT NULL,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (card_uuid, rule_id)
);
CREATE INDEX decision_card_rules_rule ON decision_card_rules (rule_id, seq);
CREATE INDEX decision_card_rules_seq ON decision_card_rules (seq);

INSERT INTO decision_card_rules (card_uuid, seq, rule_id)
SELECT card_uuid, seq, rule_id FROM decision_cards;

INSERT INTO decision_card_rules (card_uuid, seq, rule_id)
SELECT c.card_uuid, c.seq, f.value ->> 'ruleId'
FROM decisions d
JOIN decision_cards c ON c.seq = d.seq
CROSS JOIN LATERAL jsonb_array_elements(d.fired::jsonb) AS f(value)
WHERE d.fired LIKE '%"mergedInto"%'
  AND jsonb_typeof(f.value) = 'object'
  AND jsonb_typeof(f.value -> 'mergedInto') = 'string'
  AND jsonb_typeof(f.value -> 'ruleId') = 'string'
  AND f.value ->> 'ruleId' <> ''
  AND f.value ->> 'cardUuid' = c.card_uuid
ON CONFLICT DO NOTHING;

CREATE TRIGGER decision_card_rules_append_only
BEFORE UPDATE OR DELETE ON decision_card_rules
FOR EACH ROW EXECUTE FUNCTION refuse_change('decision records are append-only');
