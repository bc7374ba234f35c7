#!/usr/bin/env node
// The `courier` command. The CLI is written in TypeScript and loaded through tsx, so no build step stands
// between a checkout and a working command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
