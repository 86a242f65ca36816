/**
 * The admin API's own users, separate from the EHRs' JWT trust: the JSON file named by ADMIN_USERS,
 *   [{"name": "alice", "roles": ["author"], "tokenSha256": "<hex SHA-256 of alice's bearer token>"}]
 * Names are identities for the four-eyes rule and compare case-insensitively: "bob" and "Bob" in one
 * file are refused. Only hashes are stored; a presented token is hashed and compared with every user's hash in constant
 * time (crypto.timingSafeEqual, no early exit), so neither the file nor the timing reveals a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../lib/config-error.js';
import { ADMIN_ROLES, type AdminRole } from './admin-policy.js';

export interface AdminUser {
  name: string;
  roles: AdminRole[];
  tokenSha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const USER_NAME = /^[A-Za-z0-9._@-]{1,100}$/;

export function parseAdminUsers(json: unknown, source: string): AdminUser[] {
  const problems: string[] = [];
  if (!Array.isArray(json)) {
    throw new ConfigError(`ADMIN_USERS file ${source} is invalid: the top level must be an array of users`);
  }
  const names = new Set<string>();
  const hashes = new Set<string>();
  json.forEach((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`/${index}: must be an object {name, roles, tokenSha256}`);
      return;
    }
    const user = entry as Record<string, unknown>;
    for (const key of Object.keys(user)) {
      if (!['name', 'roles', 'tokenSha256'].includes(key)) problems.push(`/${index}/${key}: unknown field`);
    }
    if (typeof user.name !== 'string' || !USER_NAME.test(user.name)) {
      problems.push(`/${index}/name: must be 1-100 characters of letters, digits and . _ @ -`);
    } else if (names.has(user.name.toLowerCase())) {
      const lower = user.name.toLowerCase();
      const first = (json as { name?: unknown }[]).find((other) => typeof other?.name === 'string' && other.name.toLowerCase() === lower);
      problems.push(
        `/${index}/name: "${user.name}" is listed twice (as "${String(first?.name)}" before; names compare case-insensitively, so they are one person)`,
      );
    } else names.add(user.name.toLowerCase());
    if (!Array.isArray(user.roles) || user.roles.length === 0) {
      problems.push(`/${index}/roles: must be a non-empty array of ${ADMIN_ROLES.join(', ')}`);
    } else {
      user.roles.forEach((role: unknown, r) => {
        if (!(ADMIN_ROLES as readonly unknown[]).includes(role)) {
          problems.push(`/${index}/roles/${r}: ${JSON.stringify(role)} is not a role (use ${ADMIN_ROLES.join(', ')})`);
        }
      });
    }
    if (typeof user.tokenSha256 !== 'string' || !SHA256_HEX.test(user.tokenSha256)) {
      problems.push(`/${index}/tokenSha256: must be 64 lowercase hex characters (sha256 of the token)`);
    } else if (hashes.has(user.tokenSha256)) {
      problems.push(`/${index}/tokenSha256: the same token hash is used by two users`);
    } else hashes.add(user.tokenSha256);
  });
  if (problems.length > 0) {
    throw new ConfigError(`ADMIN_USERS file ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return (json as AdminUser[]).map((u) => ({ name: u.name, roles: [...new Set(u.roles)], tokenSha256: u.tokenSha256 }));
}

export function loadAdminUsers(file: string): AdminUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`ADMIN_USERS file ${file} cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`ADMIN_USERS file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseAdminUsers(json, file);
}

/** SHA-256 hex of a token, as written in the ADMIN_USERS file. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The user whose token hash matches, comparing against every user in constant time. */
export function userForToken(users: readonly AdminUser[], token: string): AdminUser | undefined {
  const presented = Buffer.from(tokenSha256(token), 'hex');
  let found: AdminUser | undefined;
  for (const user of users) {
    const stored = Buffer.from(user.tokenSha256, 'hex');
    if (timingSafeEqual(stored, presented) && found === undefined) found = user;
  }
  return found;
}
