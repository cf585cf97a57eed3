import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseCommandLine } from '../../server/cli.js';
import { iceServersFor, Relay, RelayOptionsError, turnCredentials } from '../../server/index.js';
import { findTurnserver, startCoturn, turnAllocate, type Coturn } from './coturn.js';
import { startRelay, TestClient } from './helpers.js';

const TURN_SECRET = 'coturn-static-auth-secret';

describe('#turn-credentials', () => {
  it('makes coturn REST-API credentials: expiry:peer, base64 HMAC-SHA1 of it', () => {
    const clock = () => 1_700_000_000_999; // ms: the expiry counts whole seconds.
    const { username, credential } = turnCredentials(TURN_SECRET, 'peer-1', 3600, clock);
    assert.equal(username, `${1_700_000_000 + 3600}:peer-1`);
    assert.equal(credential, createHmac('sha1', TURN_SECRET).update(username).digest('base64'));
    // Known answer, computed once with `printf '1700003600:peer-1' | openssl sha1 -hmac … -binary | base64`.
    assert.equal(credential, 'bTlwFjgYYB/d5NKLkqUmPoZFdnM=');
    assert.equal(turnCredentials(TURN_SECRET, 'peer-1', 60, () => 0).username, '60:peer-1');
  });

  it('puts STUN, then TURN with credentials, then the static list in iceServers', () => {
    const servers = iceServersFor(
      {
        stunUrls: ['stun:turn.example:3478'],
        turnUrls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349?transport=tcp'],
        turnSecret: TURN_SECRET,
        turnTtl: 600,
        iceServers: [{ urls: 'stun:other.example' }],
      },
      'p',
      () => 10_000,
    );
    assert.deepEqual(servers, [
      { urls: ['stun:turn.example:3478'] },
      {
        urls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349?transport=tcp'],
        username: '610:p',
        credential: createHmac('sha1', TURN_SECRET).update('610:p').digest('base64'),
      },
      { urls: 'stun:other.example' },
    ]);
  });

  it('reads --turn-url, --turn-secret, --turn-ttl and --stun-url, and refuses half a TURN setup', () => {
    const { options } = parseCommandLine(
      ['--turn-url', 'turn:a:3478,turn:b:3478', '--turn-secret', 's', '--turn-ttl', '15m'],
      { RTC_RELAY_STUN_URL: 'stun:a:3478' },
    );
    assert.deepEqual(options, {
      turnUrls: ['turn:a:3478', 'turn:b:3478'],
      turnSecret: 's',
      turnTtl: 900,
      stunUrls: ['stun:a:3478'],
    });
    assert.equal(parseCommandLine(['--turn-ttl', '3600'], {}).options.turnTtl, 3600);
    assert.throws(() => parseCommandLine(['--turn-ttl', '1 week'], {}), /duration/);
    assert.throws(() => new Relay({ turnUrls: ['turn:a'] }), RelayOptionsError);
    assert.throws(() => new Relay({ turnSecret: 's' }), /turnUrls is empty/);
    assert.throws(() => new Relay({ turnUrls: ['http://a'], turnSecret: 's' }), /turn:/);
  });

  it('refuses to hand out TURN credentials without auth unless told to, and caps their lifetime at 24 h', () => {
    const turn = { turnUrls: ['turn:a:3478'], turnSecret: 's' };
    assert.throws(() => new Relay(turn), /open relay/);
    assert.ok(new Relay({ ...turn, secret: 'x'.repeat(32) }), 'with tokens required');
    assert.ok(new Relay({ ...turn, turnWithoutAuth: true }), 'or with the explicit opt-in');
    assert.equal(parseCommandLine(['--turn-without-auth', 'true'], {}).options.turnWithoutAuth, true);
    for (const ttl of ['1000d', '25h']) {
      const { options } = parseCommandLine(['--turn-ttl', ttl], {});
      assert.throws(() => new Relay({ ...turn, turnWithoutAuth: true, ...options }), /at most 86400/, ttl);
    }
    assert.ok(new Relay({ ...turn, turnWithoutAuth: true, turnTtl: 86_400 }), '24 h itself is allowed');
    assert.throws(() => new Relay({ stunUrls: ['turn:a'] }), /stun:/);
  });

  it('hands each peer its own credentials in welcome', async () => {
    const { relay, url } = await startRelay({
      turnUrls: ['turn:127.0.0.1:3478'],
      turnSecret: TURN_SECRET,
      turnTtl: 120,
      turnWithoutAuth: true,
    });
    const before = Math.floor(Date.now() / 1000);
    const [alice, welcome] = await TestClient.join(url, 'turn');
    const after = Math.floor(Date.now() / 1000);
    const [server] = welcome.iceServers;
    assert.ok(server?.username && server.credential);
    const [expiry, peer] = server.username.split(':');
    assert.equal(peer, welcome.peer);
    assert.ok(Number(expiry) >= before + 120 && Number(expiry) <= after + 120);
    assert.equal(server.credential, createHmac('sha1', TURN_SECRET).update(server.username).digest('base64'));
    alice.close();
    await relay.close();
  });
});

describe('#coturn', { skip: findTurnserver() ? false : 'turnserver (coturn) is not installed' }, () => {
  let turn: Coturn;
  before(async () => {
    turn = await startCoturn({ secret: TURN_SECRET });
  });
  after(() => turn?.stop());

  it('accepts the credentials a relay hands out, and refuses forged or expired ones', async () => {
    const { relay, url } = await startRelay({
      turnUrls: [turn.url],
      turnSecret: TURN_SECRET,
      turnTtl: 300,
      turnWithoutAuth: true,
    });
    const [client, welcome] = await TestClient.join(url, 'coturn');
    const { username, credential } = welcome.iceServers[0] as { username: string; credential: string };
    const target = { host: turn.host, port: turn.port };
    assert.deepEqual(await turnAllocate({ ...target, username, credential }), { ok: true });
    const forged = turnCredentials('not-the-secret', 'x', 300);
    assert.deepEqual(await turnAllocate({ ...target, ...forged }), { ok: false, code: 401 });
    const expired = turnCredentials(TURN_SECRET, 'x', 300, () => Date.now() - 3600_000);
    assert.deepEqual(await turnAllocate({ ...target, ...expired }), { ok: false, code: 401 });
    client.close();
    await relay.close();
  });
});
