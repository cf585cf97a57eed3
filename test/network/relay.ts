/**
 * Runs `bin/rtc-relay.js` inside a network namespace, serving a copy of demo/ with test/network/call.html added at
 * /call.html, and the built kit at /dist/.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnInNetns, type Endpoint } from './netns.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A relay process started by {@link startRelayInNetns}. */
export interface NetnsRelay {
  /** `http://ADDRESS:PORT`, reachable from both namespaces. */
  readonly origin: string;
  /** `ws://ADDRESS:PORT/signal`. */
  readonly signal: string;
  readonly process: ChildProcess;
  /** Stops the relay (SIGTERM, then SIGKILL if it lingers) and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the relay in `end.ns`, bound to `end.address` on a port the kernel picks, and resolves once it is
 * listening (its `rtc-relay listening on …` line). It serves the demo at /, the call page at /call.html (a real
 * page of the relay's origin, so that `/basic-call.js` and `/signal` are same-origin and Chromium's local-network
 * checks see a private page talking to a private address), and the kit at /dist/. Its log level is `warn` unless `RTC_RELAY_LOG_LEVEL` says
 * otherwise; its output goes to this process's stderr.
 *
 * @throws {Error} when dist/ is not built, or when the relay exits or stays silent for `timeoutMs`.
 * @example
 * const relay = await startRelayInNetns(link.a);
 * relay.origin; // 'http://10.77.0.1:41235'
 * await relay.stop();
 */
export async function startRelayInNetns(end: Endpoint, { timeoutMs = 10_000 } = {}): Promise<NetnsRelay> {
  for (const built of ['dist/lib/server/cli.js', 'dist/rtc-kit.js']) {
    if (!existsSync(`${ROOT}${built}`)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  }
  const site = mkdtempSync(join(tmpdir(), 'rtcq-site-'));
  cpSync(`${ROOT}demo`, site, { recursive: true });
  // The suite's pages and their scripts (call.html, quality.html, noise.js) sit beside the demo.
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const name of readdirSync(here)) if (/\.(html|js)$/.test(name)) copyFileSync(join(here, name), join(site, name));
  const child = spawnInNetns(
    end.ns,
    process.execPath,
    ['bin/rtc-relay.js', '--host', end.address, '--port', '0', '--static', site],
    {
      cwd: ROOT,
      env: { ...process.env, RTC_RELAY_LOG_LEVEL: process.env.RTC_RELAY_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(process.stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const lingering = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(lingering);
    }
    rmSync(site, { recursive: true, force: true });
  };

  let output = '';
  try {
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the relay did not start within ${timeoutMs} ms`)), timeoutMs);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`the relay exited (${signal ?? code}) before listening`)));
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (!output.includes('listening')) output += chunk;
        else process.stderr.write(chunk);
        const url = /rtc-relay listening on (http:\/\/\S+)/.exec(output)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      });
    });
    return { origin, signal: `${origin.replace(/^http/, 'ws')}/signal`, process: child, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output.trim()}`, { cause: error });
  }
}
