-- The rules credited with each card: the card's own rule, or every contributing rule of a merged card
-- (cards[].ruleIds, docs/rule-format.md section 10). Override statistics and the rule filter read this
-- table, so feedback on a merged card counts for each of its contributors. Like decision_cards it is
-- an index of the chained JSON, append-only.
--
-- Cards recorded before this migration are backfilled: their rule_id, plus the fired rules the
-- decision recorded as merged into that card (fired[] entries with mergedInto and cardUuid = the card).

CREATE TABLE decision_card_rules (
  card_uuid TEXT NOT NULL,
  seq INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  PRIMARY KEY (card_uuid, rule_id)
);
CREATE INDEX decision_card_rules_rule ON decision_card_rules (rule_id, seq);
CREATE INDEX decision_card_rules_seq ON decision_card_rules (seq);

INSERT INTO decision_card_rules (card_uuid, seq, rule_id)
SELECT card_uuid, seq, rule_id FROM decision_cards;

INSERT OR IGNORE INTO decision_card_rules (card_uuid, seq, rule_id)
SELECT c.card_uuid, c.seq, json_extract(f.value, '$.ruleId')
FROM decisions d
JOIN decision_cards c ON c.seq = d.seq
JOIN json_each(d.fired) f
WHERE d.fired LIKE '%"mergedInto"%'
  AND json_type(f.value) = 'object'
  AND json_type(f.value, '$.mergedInto') = 'text'
  AND json_type(f.value, '$.ruleId') = 'text'
  AND json_extract(f.value, '$.ruleId') <> ''
  AND json_extract(f.value, '$.cardUuid') = c.card_uuid;

CREATE TRIGGER decision_card_rules_no_change
BEFORE UPDATE ON decision_card_rules
BEGIN
  SELECT RAISE(ABORT, 'decision records are append-only');
END;

CREATE TRIGGER decision_card_rules_no_delete
BEFORE DELETE ON decision_card_rules
BEGIN
  SELECT RAISE(ABORT, 'decision records are append-only');
END;
