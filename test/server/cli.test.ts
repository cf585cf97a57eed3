import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { helpText, parseCommandLine } from '../../server/cli.js';
import { DEFAULT_OPTIONS, OPTION_SPECS, Relay, RelayOptionsError, resolveOptions } from '../../server/index.js';
import { TokenBucket } from '../../server/rate-limit.js';
import { startRelay } from './helpers.js';
import { freePort } from './redis.js';

describe('#options', () => {
  it('merges over the documented defaults', () => {
    const options = resolveOptions({ maxPeersPerRoom: 4, port: undefined });
    assert.equal(options.maxPeersPerRoom, 4);
    assert.equal(options.port, DEFAULT_OPTIONS.port);
    assert.equal(options.maxPayload, 64 * 1024);
    assert.equal(options.rateLimit, 50);
    assert.equal(options.rateBurst, 200);
    assert.equal(options.heartbeatInterval, 30_000);
  });

  it('throws on out-of-range and contradictory options', () => {
    assert.throws(() => new Relay({ maxPeersPerRoom: 0 }), RelayOptionsError);
    assert.throws(() => new Relay({ port: 70000 }), /port/);
    assert.throws(() => new Relay({ rateLimit: 100, rateBurst: 10 }), /rateBurst/);
    assert.throws(() => new Relay({ maxPayload: 10 }), /maxPayload/);
    assert.throws(() => new Relay({ logLevel: 'loud' }), /logLevel/);
    assert.throws(() => new Relay({ iceServers: [{}] as never }), /iceServers/);
  });
});

describe('#cli', () => {
  it('reads flags, then environment variables, for every option', () => {
    const { options } = parseCommandLine(['--port', '9000', '--max-peers', '8'], {
      RTC_RELAY_PORT: '1234',
      RTC_RELAY_HOST: '0.0.0.0',
      RTC_RELAY_ICE_SERVERS: '[{"urls":"stun:example.org"}]',
    });
    assert.deepEqual(options, {
      port: 9000,
      host: '0.0.0.0',
      maxPeersPerRoom: 8,
      iceServers: [{ urls: 'stun:example.org' }],
    });
  });

  it('gives up on an unreachable Redis after --redis-start-timeout: says so and exits 1, never waits unlistening', async () => {
    const port = await freePort(); // Nothing listens there.
    const script = fileURLToPath(new URL('./fixtures/relay-cli.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--port', '0', '--log-level', 'silent', '--redis-url', `redis://127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RTC_RELAY_REDIS_START_TIMEOUT: '500' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A safety net only: the test ends when the process exits.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      new RegExp(`rtc-relay: cannot start: cannot reach Redis at redis://127.0.0.1:${port} within 500 ms`),
    );
    assert.doesNotMatch(stderr, /listening/);
  });

  it('loads ioredis only when given a Redis URL', async () => {
    const script = fileURLToPath(new URL('./fixtures/ioredis-guard.ts', import.meta.url));
    const run = async (...args: string[]): Promise<string> => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await once(child, 'exit');
      return stdout.trim();
    };
    assert.equal(await run(), 'ok', 'a lone relay, through the library entry point');
    assert.equal(await run('redis://127.0.0.1:1'), 'ioredis was imported', 'the guard does see an import');
  });

  it('rejects unknown flags and malformed values with a clear error', () => {
    assert.throws(() => parseCommandLine(['--nope'], {}), /Unknown option '--nope'/);
    assert.throws(() => parseCommandLine(['--port', 'eighty'], {}), /--port must be a whole number/);
    assert.throws(() => parseCommandLine([], { RTC_RELAY_ICE_SERVERS: '[' }), /--ice-servers must be JSON/);
  });

  it('lists every option and its environment variable in --help', () => {
    assert.equal(parseCommandLine(['--help'], {}).help, true);
    const text = helpText();
    for (const spec of OPTION_SPECS) {
      assert.ok(text.includes(`--${spec.flag}`), spec.flag);
      assert.ok(text.includes(spec.env), spec.env);
    }
  });
});

describe('#static', () => {
  it('serves the static directory at / and the kit directory at /dist/', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rtc-relay-'));
    mkdirSync(join(root, 'site'));
    mkdirSync(join(root, 'kit'));
    writeFileSync(join(root, 'site', 'index.html'), '<h1>demo</h1>');
    writeFileSync(join(root, 'kit', 'rtc-kit.js'), 'export {};');
    writeFileSync(join(root, 'secret.txt'), 'secret');
    const { relay, http } = await startRelay({ static: join(root, 'site'), kitDir: join(root, 'kit') });
    assert.equal(await (await fetch(`${http}/`)).text(), '<h1>demo</h1>');
    const kit = await fetch(`${http}/dist/rtc-kit.js`);
    assert.equal(kit.status, 200);
    assert.match(kit.headers.get('content-type') ?? '', /javascript/);
    assert.equal(kit.headers.get('access-control-allow-origin'), '*', 'pages on other origins can load the kit');
    assert.equal((await fetch(`${http}/../secret.txt`)).status, 404);
    assert.equal((await fetch(`${http}/%2e%2e/secret.txt`)).status, 404);
    assert.equal((await fetch(`${http}/healthz`)).headers.get('content-type'), 'application/json');
    await relay.close();
  });
});

describe('#rate-limit', () => {
  it('lets a burst through, then refills at the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    for (let i = 0; i < 20; i++) assert.ok(bucket.take());
    assert.equal(bucket.take(), false);
    now += 100; // 0.1 s at 10/s: one token.
    assert.ok(bucket.take());
    assert.equal(bucket.take(), false);
    now += 60_000;
    for (let i = 0; i < 20; i++) assert.ok(bucket.take());
    assert.equal(bucket.take(), false, 'never more than the burst');
  });
});
