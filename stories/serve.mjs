// `npm run storybook`: an rtc-relay on port 8787 for the stories' calls, and the Storybook dev server on 6006.
// Run `npm run build` first (the relay is dist/lib/server, and custom-elements.json comes from the build).
//
//   node stories/serve.mjs            relay + `storybook dev` (extra arguments go to storybook)
//   node stories/serve.mjs --static   relay serving storybook-static/ at http://localhost:8787 (after build-storybook)
//
// An rtc-relay already answering on 8787 (`npm start`, say) is used as it is. Nothing here reaches the internet:
// Storybook runs with telemetry, crash reports and update checks off.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const RELAY_PORT = 8787;
const STORYBOOK_PORT = 6006;
const args = process.argv.slice(2);
const staticBuild = args.includes('--static');

if (!existsSync(new URL('../dist/lib/server/index.js', import.meta.url))) {
  console.error('dist/lib/server is missing: run `npm run build` first.');
  process.exit(1);
}
const { Relay } = await import('../dist/lib/server/index.js');

/** True when an rtc-relay already answers on the port. */
async function relayRunning() {
  try {
    const response = await fetch(`http://127.0.0.1:${RELAY_PORT}/healthz`, { signal: AbortSignal.timeout(1000) });
    const body = /** @type {{ ok?: unknown }} */ (await response.json());
    return body.ok === true;
  } catch {
    return false;
  }
}

/** @type {InstanceType<typeof Relay> | undefined} */
let relay;
if (staticBuild) {
  if (!existsSync('storybook-static/index.html')) {
    console.error('storybook-static/ is missing: run `npm run build-storybook` first.');
    process.exit(1);
  }
  relay = new Relay({ port: RELAY_PORT, static: 'storybook-static', logLevel: 'warn' });
  await relay.listen();
  console.log(`Storybook (static build) and its relay: http://localhost:${RELAY_PORT}/`);
} else if (await relayRunning()) {
  console.log(`Using the rtc-relay already running on port ${RELAY_PORT}.`);
} else {
  relay = new Relay({ port: RELAY_PORT, logLevel: 'warn' });
  await relay.listen();
  console.log(`rtc-relay for the stories: ws://localhost:${RELAY_PORT}/signal`);
}

/** @type {import('node:child_process').ChildProcess | undefined} */
let storybook;
if (!staticBuild) {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('storybook/package.json');
  const bin = join(dirname(pkg), /** @type {{ bin: string }} */ (require(pkg)).bin);
  storybook = spawn(
    process.execPath,
    [bin, 'dev', '--port', String(STORYBOOK_PORT), '--no-open', '--disable-telemetry', '--no-version-updates', ...args],
    { stdio: 'inherit', env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' } },
  );
  storybook.on('exit', (code, signal) => void stop(signal ? 1 : (code ?? 0)));
}

let stopping = false;
/** @param {number} code */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (storybook && storybook.exitCode === null && storybook.signalCode === null) storybook.kill('SIGTERM');
  await relay?.close();
  process.exit(code);
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => void stop(0));
