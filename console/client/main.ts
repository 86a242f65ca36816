/**
 * The console shell: finds the page from the URL (/console/<page>/…), makes sure someone is signed
 * in (a bearer token checked with GET /admin/api/whoami, kept in sessionStorage), shows who, and
 * renders the page into <main>.
 */
import { apiGet, ApiError, onSignedOut } from './api.js';
import { h, replaceChildren } from './dom.js';
import { errorMessage, type Page, type PageContext } from './page.js';
import { decisionsPage } from './pages/decisions.js';
import { diffPage } from './pages/diff.js';
import { previewPage } from './pages/preview.js';
import { ruleSetsPage } from './pages/rule-sets.js';
import { statsPage } from './pages/stats.js';
import { currentToken, forgetToken, rememberToken, type WhoAmI } from './session.js';

const PAGES: readonly Page[] = [previewPage, ruleSetsPage, diffPage, decisionsPage, statsPage];
export const CONSOLE_BASE = '/console';

function pathParts(): string[] {
  const rest = location.pathname.startsWith(`${CONSOLE_BASE}/`) ? location.pathname.slice(CONSOLE_BASE.length + 1) : '';
  return rest.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
}

function announce(message: string): void {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after clearing makes screen readers announce repeated messages too.
  window.setTimeout(() => (region.textContent = message), 50);
}

function markCurrentNav(page: Page): void {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-page]')) {
    if (link.dataset.page === page.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showSession(user: WhoAmI | undefined): void {
  const box = document.getElementById('session');
  if (!box) return;
  if (user === undefined) {
    replaceChildren(box, h('span', { class: 'muted-on-dark' }, 'Not signed in'));
    return;
  }
  replaceChildren(
    box,
    h('span', {}, 'Signed in as ', h('strong', {}, user.name), ` (${user.roles.join(', ')})`),
    h('button', {
      type: 'button',
      class: 'button small on-dark',
      onclick: () => {
        forgetToken();
        location.reload();
      },
    }, 'Sign out'),
  );
}

function signInForm(main: HTMLElement, page: Page, notice?: string): void {
  const tokenInput = h('input', { type: 'password', id: 'admin-token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const feedback = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'sign-in', method: 'post', action: '#', novalidate: true },
    h('h1', {}, 'Sign in'),
    h('p', {}, `To use the ${page.title.toLowerCase()} page, sign in with your admin token (the bearer token your administrator issued for the admin API). It is kept in this browser tab only, and forgotten when the tab closes.`),
    notice ? errorMessage(notice) : null,
    h('div', { class: 'field' }, h('label', { for: 'admin-token' }, 'Admin token'), tokenInput),
    h('button', { type: 'submit', class: 'button primary' }, 'Sign in'),
    feedback,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (token === '') {
      replaceChildren(feedback, errorMessage('Enter your admin token.'));
      tokenInput.focus();
      return;
    }
    replaceChildren(feedback, h('p', { class: 'loading' }, 'Checking the token…'));
    apiGet<WhoAmI>('/whoami', token)
      .then((user) => {
        rememberToken(token);
        tokenInput.value = '';
        void start(user);
      })
      .catch((err: unknown) => {
        replaceChildren(feedback, errorMessage(err instanceof Error ? err.message : String(err)));
        tokenInput.focus();
      });
  });
  replaceChildren(main, form);
  tokenInput.focus();
}

function currentPage(): Page {
  const [first] = pathParts();
  return PAGES.find((p) => p.id === first) ?? previewPage;
}

async function start(user: WhoAmI): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  const page = currentPage();
  showSession(user);
  const ctx: PageContext = { main, user, path: pathParts(), params: new URLSearchParams(location.search), announce };
  replaceChildren(main, h('p', { class: 'loading' }, 'Loading…'));
  try {
    await page.render(ctx);
  } catch (err) {
    replaceChildren(main, h('h1', {}, page.title), errorMessage(err instanceof Error ? err.message : String(err)));
  }
}

async function boot(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  const page = currentPage();
  document.title = `${page.title} — CDS console`;
  markCurrentNav(page);
  onSignedOut((message) => {
    showSession(undefined);
    signInForm(main, page, `You were signed out: ${message}`);
  });
  if (currentToken() === undefined) {
    showSession(undefined);
    signInForm(main, page);
    return;
  }
  try {
    const user = await apiGet<WhoAmI>('/whoami');
    await start(user);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // onSignedOut shows the form
    showSession(undefined);
    replaceChildren(main, h('h1', {}, page.title), errorMessage(err instanceof Error ? err.message : String(err)));
  }
}

void boot();
