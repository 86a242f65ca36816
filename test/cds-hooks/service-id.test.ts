/** The service id rule (cds-hooks/service-id.ts) is the one the rule-set schema states. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isValidServiceId, SERVICE_ID_PATTERN } from '../../cds-hooks/service-id.js';

describe('the service id rule', () => {
  it('is the pattern the rule-set schema gives service ids', () => {
    const schema = JSON.parse(readFileSync(new URL('../../engine/rule-set.schema.json', import.meta.url), 'utf8'));
    assert.equal(schema.$defs.service.properties.id.pattern, SERVICE_ID_PATTERN.source);
  });

  it('accepts one URL path segment and refuses ".", "..", separators and empty ids', () => {
    for (const id of ['ketamine-order-sign', 'a', 'v1.2_x']) assert.ok(isValidServiceId(id), id);
    for (const id of ['', '.', '..', '-x', 'a/b', 'a?b', 'a b', 'a%2Fb', 'a~b', 42, undefined]) assert.ok(!isValidServiceId(id), String(id));
  });
});
