#!/usr/bin/env node
// The rtc-relay command. It runs the compiled relay from dist/, which serves the kit bundle at /dist/ (as an
// embedded Relay does).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/lib/server/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('rtc-relay: dist/ is missing; run `npm run build` in the rtc-kit folder first.');
  process.exit(1);
}
const { main } = await import(cli.href);
const result = await main(process.argv.slice(2), process.env);
if (typeof result === 'number') process.exitCode = result;
