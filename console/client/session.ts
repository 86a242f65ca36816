/**
 * The signed-in user: the admin bearer token lives in sessionStorage (gone when the tab closes,
 * never in a URL, a cookie or a log), and who it belongs to comes from GET /admin/api/whoami.
 */
export const TOKEN_KEY = 'cds-console.admin-token';

export type Role = 'author' | 'reviewer' | 'auditor';

export interface WhoAmI {
  name: string;
  roles: Role[];
  mode: string;
}

export function currentToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage unavailable: nothing to forget
  }
}

export function hasRole(user: WhoAmI | undefined, role: Role): boolean {
  return user !== undefined && user.roles.includes(role);
}
