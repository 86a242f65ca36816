/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and prints where the time went: the top functions by
 * self time, and self time summed per source file and per npm package / project folder.
 *
 * Usage: npx tsx bench/top-functions.ts <file.cpuprofile> [more files...] [--top N] [--whole]
 * bench/run.ts --profile calls summarise() for each profile it wrote.
 *
 * Windows: a server profile covers its whole life (start-up, warm-up, measurement, shutdown). bench/run.ts
 * writes `<file>.windows.json` next to it: the measured load phases on the monotonic clock V8 stamps samples
 * with (the same clock as process.hrtime, in µs). When that file exists only samples inside those windows
 * count, so start-up work (schema compilation, module loading) does not hide the per-request cost.
 * --whole ignores it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  /** Share of non-idle time. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Measured windows the samples were restricted to (none = whole profile). */
  windows: number;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: FunctionTime[];
  /** Project functions (not node_modules, not node core) by inclusive time: self + callees, per sample once. */
  inclusive: FunctionTime[];
  files: FunctionTime[];
  groups: FunctionTime[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..');

function shortUrl(url: string): string {
  if (!url) return '';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (p.startsWith(REPO_ROOT + path.sep)) p = path.relative(REPO_ROOT, p);
  return p;
}

/** node_modules/<package> (scoped too), node:internal, or the project's top-level folder. */
function groupOf(location: string, name: string): string {
  if (!location) return name.startsWith('(') ? name : '(native/V8)';
  const nm = location.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = location.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (location.startsWith('node:')) return 'node core';
  if (!path.isAbsolute(location)) return `project:${location.split('/')[0]}/`;
  return location;
}

export type Window = [startUs: number, endUs: number];

/** The windows stored next to a profile by bench/run.ts, if any. */
export function windowsFor(file: string): Window[] | undefined {
  try {
    return JSON.parse(readFileSync(`${file}.windows.json`, 'utf8')) as Window[];
  } catch {
    return undefined;
  }
}

export function summarise(file: string, top = 20, windows: Window[] | undefined = windowsFor(file)): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  /** Anonymous functions are named after their nearest named caller: "(anonymous in parseFhirDate)". */
  const displayName = (node: ProfileNode): string => {
    const own = node.callFrame.functionName;
    if (own) return own;
    let up = parentOf.get(node.id);
    for (let hops = 0; up !== undefined && hops < 20; hops++) {
      const parent = byId.get(up);
      const name = parent?.callFrame.functionName;
      if (name && !name.startsWith('(')) return `(anonymous in ${name})`;
      up = parentOf.get(up);
    }
    return '(anonymous)';
  };
  const selfUs = new Map<number, number>();
  const inWindow = (t: number): boolean => !windows || windows.length === 0 || windows.some(([a, b]) => t >= a && t <= b);
  if (profile.samples && profile.timeDeltas) {
    // Sample i is taken at startTime + sum(timeDeltas[0..i]); it stands for the time until the next sample.
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (!inWindow(t)) continue;
      const delta = profile.timeDeltas[i + 1] ?? 0;
      selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta));
    }
  } else {
    const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0));
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * interval);
  }
  const keyOf = (node: ProfileNode): { key: string; name: string; where: string; location: string } => {
    const name = displayName(node);
    const location = shortUrl(node.callFrame.url);
    // tsx compiles each .ts file to one line, so there the column is what locates the function.
    const where = !location
      ? ''
      : node.callFrame.lineNumber === 0 && location.endsWith('.ts')
        ? `${location}@col${node.callFrame.columnNumber}`
        : `${location}:${node.callFrame.lineNumber + 1}`;
    return { key: `${name}@${where}`, name, where, location };
  };
  const isProject = (location: string): boolean => location !== '' && !path.isAbsolute(location) && !location.includes('node_modules/') && !location.startsWith('node:');
  const inclusiveUs = new Map<string, { name: string; location: string; us: number }>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    let current: number | undefined = id;
    for (let depth = 0; current !== undefined && depth < 500; depth++) {
      const node = byId.get(current);
      if (!node) break;
      const k = keyOf(node);
      if (isProject(k.location) && !seen.has(k.key)) {
        seen.add(k.key);
        const entry = inclusiveUs.get(k.key) ?? { name: k.name, location: k.where, us: 0 };
        entry.us += us;
        inclusiveUs.set(k.key, entry);
      }
      current = parentOf.get(current);
    }
  }
  let totalUs = 0;
  let idleUs = 0;
  const fn = new Map<string, { name: string; location: string; us: number }>();
  const files = new Map<string, number>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { key, name, where, location } = keyOf(node);
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const entry = fn.get(key) ?? { name, location: where, us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const fileKey = location || name;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    const group = groupOf(location, name);
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const share = (us: number): number => (busyUs > 0 ? us / busyUs : 0);
  const rank = (entries: FunctionTime[]): FunctionTime[] => entries.sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  return {
    file,
    windows: windows?.length ?? 0,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    functions: rank([...fn.values()].map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, share: share(e.us) }))),
    inclusive: rank([...inclusiveUs.values()].map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, share: share(e.us) }))),
    files: rank([...files].map(([name, us]) => ({ name, location: '', selfMs: us / 1000, share: share(us) }))),
    groups: rank([...groups].map(([name, us]) => ({ name, location: '', selfMs: us / 1000, share: share(us) }))),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1).padStart(5)}%`;
}

export function formatSummary(summary: ProfileSummary, topFunctions = 20, topGroups = 10): string {
  const lines: string[] = [];
  const scope = summary.windows > 0 ? `${summary.windows} measured load window(s)` : 'whole profile';
  lines.push(
    `${path.relative(process.cwd(), summary.file)} (${scope}): ${(summary.totalMs / 1000).toFixed(1)} s profiled, ` +
      `${(summary.busyMs / 1000).toFixed(1)} s busy (${pct(summary.totalMs > 0 ? summary.busyMs / summary.totalMs : 0).trim()}), shares below are of busy time`,
  );
  lines.push('  top functions by self time:');
  for (const f of summary.functions.slice(0, topFunctions)) {
    lines.push(`    ${pct(f.share)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.location}`);
  }
  lines.push('  project functions by inclusive time (self + synchronous callees; async continuations not included):');
  for (const f of summary.inclusive.slice(0, topGroups)) {
    lines.push(`    ${pct(f.share)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.location}`);
  }
  lines.push('  self time by package / project folder:');
  for (const g of summary.groups.slice(0, topGroups)) {
    lines.push(`    ${pct(g.share)} ${g.selfMs.toFixed(0).padStart(7)} ms  ${g.name}`);
  }
  lines.push('  self time by file:');
  for (const f of summary.files.slice(0, topGroups)) {
    lines.push(`    ${pct(f.share)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
  }
  return lines.join('\n');
}

function main(argv: string[]): void {
  let top = 25;
  let whole = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--whole') whole = true;
    else files.push(argv[i]);
  }
  if (files.length === 0 || !Number.isInteger(top) || top < 1) {
    console.error('usage: npx tsx bench/top-functions.ts <file.cpuprofile> [...] [--top N]');
    process.exit(2);
  }
  for (const file of files) {
    const summary = summarise(file, top, whole ? undefined : windowsFor(file));
    console.log(`${formatSummary(summary, top, Math.min(top, 15))}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
