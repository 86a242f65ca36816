/**
 * Card link URLs. A link's `url` is absolute (`https://…`), or, for a `smart` link only, a path
 * relative to the service's public base URL ("course/"): the rule set cannot know where a site runs
 * the service, so it names the app by its place on the service, and the service resolves the path
 * against its PUBLIC_BASE_URL when it sends the card (resolveServiceLinks). The engine leaves the
 * path as written; the evaluation result and the decision record are the same wherever the service runs.
 */
import type { Card } from '../cds-hooks/wire-types.js';

/** A relative path: letters, digits and . _ ~ - /, starting with neither "/" nor ".", no ".." segment. */
const SERVICE_PATH = /^[A-Za-z0-9_~-][A-Za-z0-9._~/-]*$/;
const ABSOLUTE = /^https?:\/\/[^\s]+$/i;

/** True when the url is a path on the service (not absolute). */
export function isServicePath(url: string): boolean {
  return !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url);
}

/** Why a link url is not acceptable, or undefined when it is. */
export function linkUrlProblem(url: string, type: unknown): string | undefined {
  if (!isServicePath(url)) return ABSOLUTE.test(url) ? undefined : 'a link url must be an absolute http(s) URL';
  if (type !== 'smart') return 'only a smart link may give a path relative to the service (an absolute link needs an absolute http(s) URL)';
  if (!SERVICE_PATH.test(url) || url.split('/').includes('..')) {
    return 'a path relative to the service uses letters, digits and . _ ~ - /, starts with neither "/" nor "." and has no ".." segment (e.g. "course/")';
  }
  return undefined;
}

/** The absolute URL of a service path: publicBaseUrl (no trailing slash) + "/" + path. */
export function serviceUrl(path: string, publicBaseUrl: string): string {
  return new URL(path, `${publicBaseUrl.replace(/\/+$/, '')}/`).toString();
}

/** The cards with every link given as a service path made absolute (new objects; absolute links unchanged). */
export function resolveServiceLinks(cards: readonly Card[], publicBaseUrl: string): Card[] {
  return cards.map((card) => {
    if (!card.links?.some((l) => isServicePath(l.url))) return card;
    return { ...card, links: card.links.map((l) => (isServicePath(l.url) ? { ...l, url: serviceUrl(l.url, publicBaseUrl) } : l)) };
  });
}
