/**
 * Every bearer token and access token the tests mint or send, collected for the whole test run so
 * that test/support/log-capture-hooks.ts can check that none of them ever reached a log line.
 * client-tokens.ts registers each JWT it signs; tests that send other secrets call rememberSecret.
 */
const secrets = new Set<string>();

/** Shorter strings are not tracked (they would match by accident, and are not real secrets). */
export const MIN_SECRET_LENGTH = 8;

export function rememberSecret(secret: string): string {
  if (secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
  return secret;
}

export function mintedSecrets(): string[] {
  return [...secrets];
}
