#!/usr/bin/env node
// The `cds-rules` command (docs/rule-format.md, "The CLI"): runs the CLI's bundle, dist/cds-rules.js, built
// like the service's by scripts/build-server.mjs (no TypeScript loader at run time). The bundle is built
// first when it is missing or older than one of its sources (dist/cds-rules.inputs.json lists them).
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const bundle = new URL('dist/cds-rules.js', root);
const inputs = new URL('dist/cds-rules.inputs.json', root);

function modifiedMs(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

function bundleIsCurrent() {
  const built = modifiedMs(bundle);
  if (built === undefined) return false;
  let sources;
  try {
    sources = JSON.parse(readFileSync(inputs, 'utf8'));
  } catch {
    return false;
  }
  return sources.every((source) => (modifiedMs(new URL(source, root)) ?? Infinity) <= built);
}

if (!bundleIsCurrent()) {
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('scripts/build-server.mjs', root)), '--cli', '--quiet'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) {
    process.stderr.write(`cds-rules: building dist/cds-rules.js failed (exit ${build.status})\n`);
    process.exit(1);
  }
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
