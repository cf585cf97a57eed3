import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { main, parseCommandLine } from '../../server/cli.js';
import { mintToken, Relay, RelayOptionsError, redactUrl, verifyToken } from '../../server/index.js';
import { startRelay, TestClient } from './helpers.js';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const now = (): number => Math.floor(Date.now() / 1000);

/** Runs `rtc-relay token …` and returns what it printed. */
async function tokenCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: unknown; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (line: string) => out.push(line);
  console.error = (line: string) => err.push(line);
  try {
    const code = await main(['token', ...args], env);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('#auth', () => {
  it('refuses an upgrade with no token, a forged one or an expired one with 401, before any WebSocket', async () => {
    const { relay, url, http } = await startRelay({ secret: SECRET });
    const forged = await mintToken('another-secret-that-is-also-32-characters', { room: '*', ttl: 60 });
    const expired = await mintToken(SECRET, { room: '*', ttl: 60, now: now() - 120 });
    const valid = await new SignJWT({ room: '*' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(SECRET));
    const noExpiry = await new SignJWT({ room: '*' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    for (const query of [
      '',
      '?token=',
      `?token=${forged}`,
      `?token=${expired}`,
      '?token=not.a.jwt',
      `?token=${noExpiry}`,
    ])
      await assert.rejects(TestClient.connect(`${url}${query}`), /401/, query);
    assert.ok(valid, 'a well-formed token signed with the secret');
    const client = await TestClient.connect(`${url}?token=${valid}`);
    await client.roundTrip();
    client.close();
    const metrics = await (await fetch(`${http}/metrics`)).text();
    assert.match(metrics, /rtc_relay_auth_failures_total\{reason="missing"\} 2/);
    assert.match(metrics, /rtc_relay_auth_failures_total\{reason="invalid"\} 3/);
    assert.match(metrics, /rtc_relay_auth_failures_total\{reason="expired"\} 1/);
    await relay.close();
  });

  it('lets a token join its room only, or any room with *, and answers forbidden otherwise', async () => {
    const { relay, url } = await startRelay({ secret: SECRET });
    const standup = await mintToken(SECRET, { room: 'standup', ttl: 60 });
    const client = await TestClient.connect(`${url}?token=${standup}`);
    client.send({ type: 'join', room: 'board' });
    const error = await client.expect('error');
    assert.equal(error.code, 'forbidden');
    assert.match(error.message, /board/);
    await client.join('standup');
    const [anyRoom] = await TestClient.join(`${url}?token=${await mintToken(SECRET, { room: '*', ttl: 60 })}`, 'board');
    for (const c of [client, anyRoom]) c.close();
    await relay.close();
  });

  it('shows the token sub as meta.sub, and nobody can set meta.sub themselves', async () => {
    const { relay, url } = await startRelay({ secret: SECRET });
    const ada = await mintToken(SECRET, { room: 'ids', ttl: 60, sub: 'user-ada' });
    const anon = await mintToken(SECRET, { room: 'ids', ttl: 60 });
    const [alice] = await TestClient.join(`${url}?token=${ada}`, 'ids', { name: 'Ada', sub: 'forged' });
    const [mallory, welcome] = await TestClient.join(`${url}?token=${anon}`, 'ids', { name: 'M', sub: 'user-ada' });
    assert.deepEqual(welcome.peers[0]?.meta, { name: 'Ada', sub: 'user-ada' });
    assert.deepEqual((await alice.expect('peer-joined')).peer.meta, { name: 'M' }, 'a claimed sub is dropped');
    for (const c of [alice, mallory]) c.close();
    await relay.close();
  });

  it('never writes a token to the logs', async () => {
    const lines: string[] = [];
    const own = await startRelay({
      secret: SECRET,
      logger: pino({ level: 'debug' }, { write: (l: string) => lines.push(l) }),
    });
    const good = await mintToken(SECRET, { room: '*', ttl: 60 });
    const bad = await mintToken(SECRET, { room: '*', ttl: 60, now: now() - 120 });
    await assert.rejects(TestClient.connect(`${own.url}?token=${bad}`), /401/);
    const [client] = await TestClient.join(`${own.url}?token=${good}`, 'logs');
    client.close();
    await client.closed;
    await own.relay.close();
    const text = lines.join('');
    assert.ok(text.includes('token=[redacted]'), 'the refused upgrade is logged, redacted');
    for (const token of [good, bad]) {
      assert.ok(!text.includes(token), 'no token in the logs');
      assert.ok(!text.includes(token.split('.')[2]!), 'not even its signature');
    }
    assert.equal(redactUrl('/signal?a=1&token=abc.def&b=2'), '/signal?a=[redacted]&token=[redacted]&b=[redacted]');
  });

  it('checks the secret and the claims it verifies', async () => {
    assert.throws(() => new Relay({ secret: 'short' }), RelayOptionsError);
    assert.deepEqual(parseCommandLine([], { RTC_RELAY_SECRET: SECRET }).options, { secret: SECRET });
    const token = await mintToken(SECRET, { room: 'r', ttl: 3600, sub: 'u1', now: 1_000_000 });
    const result = await verifyToken(SECRET, token);
    assert.deepEqual(result, { ok: false, reason: 'expired' }, 'minted long ago');
    const fresh = await verifyToken(SECRET, await mintToken(SECRET, { room: 'r', ttl: 3600, sub: 'u1' }));
    assert.ok(fresh.ok && fresh.claims.room === 'r' && fresh.claims.sub === 'u1');
    const badRoom = await new SignJWT({ room: 'no spaces' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(SECRET));
    assert.deepEqual(await verifyToken(SECRET, badRoom), { ok: false, reason: 'invalid' });
    await assert.rejects(mintToken(SECRET, { room: 'bad room', ttl: 60 }), TypeError);
  });
});

describe('#token-cli', () => {
  it('prints a token the relay accepts', async () => {
    const { code, out } = await tokenCli(['--room', 'standup', '--ttl', '1h', '--sub', 'ada'], {
      RTC_RELAY_SECRET: SECRET,
    });
    assert.equal(code, 0);
    const result = await verifyToken(SECRET, out.trim());
    assert.ok(result.ok);
    assert.equal(result.claims.room, 'standup');
    assert.equal(result.claims.sub, 'ada');
    const ttl = result.claims.exp - now();
    assert.ok(ttl > 3590 && ttl <= 3600, `expires in an hour (${ttl} s)`);
    const { relay, url } = await startRelay({ secret: SECRET });
    const [client] = await TestClient.join(`${url}?token=${out.trim()}`, 'standup');
    client.close();
    await relay.close();
  });

  it('explains what is missing', async () => {
    assert.match((await tokenCli(['--room', 'r'])).err, /RTC_RELAY_SECRET/);
    assert.match((await tokenCli(['--secret', SECRET])).err, /--room/);
    assert.match((await tokenCli(['--secret', SECRET, '--room', 'r', '--ttl', 'soon'])).err, /--ttl/);
    assert.equal((await tokenCli(['--secret', SECRET, '--room', 'a b'])).code, 2);
    assert.match((await tokenCli(['--help'])).out, /--room/);
  });
});

describe('#origin', () => {
  it('refuses any Origin not on the list with 403', async () => {
    const { relay, url, http } = await startRelay({ allowOrigins: ['https://app.example', 'http://localhost:8080'] });
    await assert.rejects(TestClient.connect(url, { origin: 'https://evil.example' }), /403/);
    await assert.rejects(TestClient.connect(url), /403/, 'no Origin at all');
    await assert.rejects(TestClient.connect(url, { origin: 'https://app.example.evil' }), /403/);
    for (const origin of ['https://app.example', 'http://localhost:8080']) {
      const client = await TestClient.connect(url, { origin });
      await client.roundTrip();
      client.close();
    }
    assert.match(
      await (await fetch(`${http}/metrics`)).text(),
      /rtc_relay_rejected_upgrades_total\{reason="origin"\} 3/,
    );
    await relay.close();
    assert.throws(() => new Relay({ allowOrigins: ['https://app.example/'] }), /no path/);
    assert.deepEqual(parseCommandLine(['--allow-origin', 'https://a.example, https://b.example'], {}).options, {
      allowOrigins: ['https://a.example', 'https://b.example'],
    });
  });
});

describe('#ip-limit', () => {
  it('refuses connections past the per-IP cap with 429, and counts a closed one out', async () => {
    const { relay, url } = await startRelay({ maxConnectionsPerIp: 2 });
    const a = await TestClient.connect(url);
    const b = await TestClient.connect(url);
    await assert.rejects(TestClient.connect(url), /429/);
    a.close();
    // Retry until the relay has seen the close: no fixed sleep, each attempt is an event.
    let c: TestClient | undefined;
    for (let attempt = 0; !c && attempt < 100; attempt++) {
      await a.closed;
      c = await TestClient.connect(url).catch(() => undefined);
    }
    assert.ok(c, 'a freed slot is usable again');
    for (const client of [b, c]) client.close();
    await relay.close();
  });

  it('counts by X-Forwarded-For only with trustProxy', async () => {
    const { relay, url } = await startRelay({ maxConnectionsPerIp: 1, trustProxy: true });
    const a = await TestClient.connect(url, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' } });
    const b = await TestClient.connect(url, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.2' } });
    await assert.rejects(
      TestClient.connect(url, { headers: { 'x-forwarded-for': '198.51.100.2' } }),
      /429/,
      'the last hop, which the proxy wrote, is the address',
    );
    for (const client of [a, b]) client.close();
    await relay.close();
    assert.deepEqual(parseCommandLine(['--trust-proxy', 'true', '--max-per-ip', '9'], {}).options, {
      trustProxy: true,
      maxConnectionsPerIp: 9,
    });
    assert.throws(() => parseCommandLine(['--trust-proxy', 'maybe'], {}), /true or false/);
  });
});
