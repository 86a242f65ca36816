/**
 * The response schema (cds-hooks/schemas/service-response.schema.json) that every service answer is
 * checked against catches each spec rule it encodes; the spec's own example response passes.
 */
import assert from 'node:assert/strict';
import { validateAgainst } from '../../cds-hooks/json-schemas.js';
import { specFixture } from '../support/spec-fixtures.js';

function card(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { uuid: 'c1', summary: 'Short summary', indicator: 'info', source: { label: 'Source' }, ...extra };
}

function problemsOf(c: Record<string, unknown>) {
  return validateAgainst('service-response', { cards: [c] });
}

describe('service-response schema', () => {
  it('[cds-hooks_2.0@74,@75] the spec example response-cards-links-overrideReasons.json conforms', () => {
    assert.deepEqual(validateAgainst('service-response', specFixture('response-cards-links-overrideReasons.json')), []);
  });

  it('[cds-hooks_2.0@77] {"cards": []} conforms; a missing cards array does not', () => {
    assert.deepEqual(validateAgainst('service-response', { cards: [] }), []);
    assert.deepEqual(validateAgainst('service-response', {}), [{ pointer: '/cards', message: 'is required' }]);
  });

  const violations: Array<[string, Record<string, unknown>, Array<{ pointer: string; message: string }>]> = [
    ['[cds-hooks_2.0@83] summary of 140 characters', card({ summary: 'x'.repeat(140) }), [{ pointer: '/cards/0/summary', message: 'must be a non-empty one-sentence summary shorter than 140 characters' }]],
    ['[cds-hooks_2.0@88] indicator outside the enum', card({ indicator: 'hard-stop' }), [{ pointer: '/cards/0/indicator', message: 'must be one of: "info", "warning", "critical"' }]],
    ['[cds-hooks_2.0@105] source without label', card({ source: {} }), [{ pointer: '/cards/0/source/label', message: 'is required' }]],
    ['[cds-hooks_2.0@93] suggestions without selectionBehavior', card({ suggestions: [{ label: 'Do it', uuid: 's1' }] }), [{ pointer: '/cards/0/selectionBehavior', message: 'is required when "suggestions" is present' }]],
    [
      'cds-resp-1: two recommended suggestions under at-most-one',
      card({ selectionBehavior: 'at-most-one', suggestions: [{ label: 'A', isRecommended: true }, { label: 'B', isRecommended: true }] }),
      [{ pointer: '/cards/0/suggestions', message: 'may recommend at most one suggestion when selectionBehavior is at-most-one (invariant cds-resp-1)' }],
    ],
    [
      '[cds-hooks_2.0@100,@136] overrideReasons without display',
      card({ overrideReasons: [{ code: 'x', system: 'http://example.org' }] }),
      [{ pointer: '/cards/0/overrideReasons/0/display', message: 'is required' }],
    ],
    [
      '[cds-hooks_2.0@133,@134] delete action without resourceId',
      card({ selectionBehavior: 'any', suggestions: [{ label: 'Remove', actions: [{ type: 'delete', description: 'Remove it', resource: { resourceType: 'ServiceRequest' } }] }] }),
      [
        { pointer: '/cards/0/suggestions/0/actions/0', message: 'a delete action names the resource in resourceId, not resource (invariant cds-resp-2)' },
        { pointer: '/cards/0/suggestions/0/actions/0/resourceId', message: 'is required' },
      ],
    ],
    [
      '[cds-hooks_2.0@147] appContext on an absolute link',
      card({ links: [{ label: 'L', url: 'https://example.org', type: 'absolute', appContext: 'x' }] }),
      [{ pointer: '/cards/0/links/0', message: 'appContext is only allowed on smart links (invariant cds-resp-3)' }],
    ],
    [
      '[cds-hooks_2.0@3] empty strings, arrays and objects',
      card({ detail: '', links: [], extension: {} }),
      [
        { pointer: '/cards/0/detail', message: 'must not be empty' },
        { pointer: '/cards/0/links', message: 'must not be an empty array' },
        { pointer: '/cards/0/extension', message: 'must not be an empty object' },
      ],
    ],
    ['[cds-hooks_2.0@107] relative source url', card({ source: { label: 'S', url: '/relative' } }), [{ pointer: '/cards/0/source/url', message: 'must be an absolute http(s) URL' }]],
  ];

  for (const [title, bad, expected] of violations) {
    it(`refuses ${title}`, () => {
      assert.deepEqual(problemsOf(bad), expected);
    });
  }
});
