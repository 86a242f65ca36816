/** Card links given as a path on the service (engine/link-url.ts) and how validation treats them. */
import assert from 'node:assert/strict';
import { isServicePath, linkUrlProblem, resolveServiceLinks, serviceUrl } from '../../engine/link-url.js';
import type { Card } from '../../cds-hooks/wire-types.js';

describe('card links on the service (engine/link-url.ts)', () => {
  it('a smart link may name a path on the service; an absolute link needs an absolute http(s) URL', () => {
    assert.equal(linkUrlProblem('course/', 'smart'), undefined);
    assert.equal(linkUrlProblem('https://app.example/launch', 'smart'), undefined);
    assert.equal(linkUrlProblem('https://www.spravatorems.com', 'absolute'), undefined);
    assert.match(linkUrlProblem('course/', 'absolute') ?? '', /only a smart link may give a path relative to the service/);
    assert.match(linkUrlProblem('javascript:alert(1)', 'smart') ?? '', /absolute http\(s\) URL/);
    for (const bad of ['/course/', '../admin', 'course/../../x', '.hidden', 'course?x=1', 'course#x']) {
      assert.match(linkUrlProblem(bad, 'smart') ?? '', /a path relative to the service/, bad);
    }
  });

  it('resolves paths against PUBLIC_BASE_URL, including one with a path prefix; absolute links are left alone', () => {
    assert.equal(serviceUrl('course/', 'https://cds.example'), 'https://cds.example/course/');
    assert.equal(serviceUrl('course/', 'https://host.example/cds/'), 'https://host.example/cds/course/');
    assert.equal(isServicePath('https://x.example'), false);
    const cards: Card[] = [
      { summary: 'a', indicator: 'info', source: { label: 's' }, links: [{ label: 'course', url: 'course/', type: 'smart', appContext: 'x=1' }, { label: 'REMS', url: 'https://www.spravatorems.com', type: 'absolute' }] },
      { summary: 'b', indicator: 'info', source: { label: 's' } },
    ];
    const resolved = resolveServiceLinks(cards, 'https://host.example/cds');
    assert.deepEqual(resolved[0].links, [
      { label: 'course', url: 'https://host.example/cds/course/', type: 'smart', appContext: 'x=1' },
      { label: 'REMS', url: 'https://www.spravatorems.com', type: 'absolute' },
    ]);
    assert.equal(resolved[1], cards[1]);
    assert.equal(cards[0].links?.[0].url, 'course/', 'the evaluation result is not changed');
  });
});
