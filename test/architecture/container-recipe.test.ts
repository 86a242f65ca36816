/**
 * The Dockerfile keeps to the production install that CI runs (scripts/check-production-install.mjs):
 * `npm ci --omit=dev`, the bundle built by `npm run build`, the service started with npm start's Node
 * flags. It is multi-stage, runs as a user other than root and has a health check on /readyz. No container
 * engine runs here, so this is what can be checked of the recipe: that it does not drift from what is
 * tested, and that it says it was never built.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> };
const productionCheck = readFileSync(new URL('scripts/check-production-install.mjs', ROOT), 'utf8');

/** Instructions without comments, continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (/^FROM /i.test(line)) all.push([]);
  all[all.length - 1]?.push(line);
  return all;
}, []);

describe('container recipe (Dockerfile) = the production install CI tests', () => {
  it('is multi-stage: a build stage installs and bundles, the final stage copies the result', () => {
    assert.equal(stages.length, 2, instructions.filter((l) => /^FROM /i.test(l)).join('\n'));
    assert.match(stages[0][0], /^FROM node:20\S* AS build$/i);
    assert.ok(stages[1].some((line) => /^COPY --from=build /.test(line)));
    assert.ok(!stages[1].some((line) => /\b(npm ci|npm install|npm i)\b|apt-get install/.test(line)), 'nothing is installed in the final stage');
  });

  it('installs with `npm ci --omit=dev` (as scripts/check-production-install.mjs does) and builds with `npm run build`', () => {
    const runs = stages[0].filter((line) => line.startsWith('RUN '));
    const npmInstalls = runs.filter((line) => /\bnpm (ci|install|i)\b/.test(line));
    assert.deepEqual(npmInstalls.map((line) => line.replace(/ --no-audit| --no-fund/g, '')), ['RUN npm ci --omit=dev']);
    assert.match(productionCheck, /'ci', '--omit=dev'|npm ci --omit=dev/, 'the CI check installs the same way');
    assert.ok(runs.includes('RUN npm run build'));
    assert.match(packageJson.scripts.start, /^node scripts\/build-server\.mjs && /, 'npm start = npm run build + node');
    assert.equal(packageJson.scripts.build, 'node scripts/build-server.mjs');
  });

  it("starts the bundle with npm start's Node flags", () => {
    const cmd = stages[1].find((line) => line.startsWith('CMD '));
    assert.ok(cmd);
    const argv = JSON.parse(cmd.slice('CMD '.length)) as string[];
    const startCommand = packageJson.scripts.start.split(' && ').pop()!;
    assert.equal(argv.join(' '), startCommand);
  });

  it('runs as a user other than root, with a health check on /readyz, and says it was never built here', () => {
    const user = stages[1].find((line) => line.startsWith('USER '));
    assert.ok(user && !/^USER (root|0)\b/.test(user), String(user));
    const healthcheck = stages[1].find((line) => line.startsWith('HEALTHCHECK '));
    assert.match(String(healthcheck), /\/readyz/);
    assert.match(dockerfile, /NOT BUILT HERE: no container engine runs/);
  });
});
