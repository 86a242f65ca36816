#!/usr/bin/env node
// Shim for the `cds-rules` command: runs the TypeScript CLI through tsx (docs/rule-format.md, "The CLI").
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/cds-rules.ts');
process.exitCode = await main(process.argv.slice(2));
