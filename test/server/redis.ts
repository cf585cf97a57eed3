/**
 * Test helpers for scale-out: a real `redis-server` (Debian package `redis-server`) on a free port, and relay
 * nodes as separate processes running the `rtc-relay` command line from source.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `redis-server` is, or `undefined` when it is not installed. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, 'redis-server')).find((path) => existsSync(path));
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves when `child` has written a line matching `pattern` (stdout or stderr), with the match. */
function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready:\n${output}`)));
  });
}

/** A process a test started, and how to stop it. */
export interface Started {
  process: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function started(child: ChildProcess): Started {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Starts `redis-server` on `port` (a free one by default), in memory only, and resolves once it accepts
 * connections. Starting it again on the same port after a kill is a Redis restarted empty.
 */
export async function startRedis(port?: number): Promise<Started & { url: string; port: number }> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found: install the redis-server package');
  port ??= await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForOutput(child, /Ready to accept connections/, 'redis-server');
  return { ...started(child), url: `redis://127.0.0.1:${port}`, port };
}

/** Starts a relay node (`rtc-relay --port 0 …args`) in its own process; resolves with its signaling URL. */
export async function startRelayProcess(args: string[]): Promise<Started & { url: string; http: string }> {
  const script = fileURLToPath(new URL('./fixtures/relay-cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [, port] = await waitForOutput(child, /listening on http:\/\/localhost:(\d+)/, 'rtc-relay');
  return { ...started(child), url: `ws://127.0.0.1:${port}/signal`, http: `http://127.0.0.1:${port}` };
}

/**
 * Resolves once `check` holds, polling it every 20 ms: for state with no event to wait on (a relay's health, a
 * reconnection). Rejects after `timeout` ms, naming `what`.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeout = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
