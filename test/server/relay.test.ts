import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Relay } from '../../server/index.js';
import { startRelay, TestClient } from './helpers.js';

let relay: Relay;
let url: string;
let http: string;
const clients: TestClient[] = [];

/** Joins a fresh client to `room` and remembers it for clean-up. */
async function joined(room: string, meta?: Record<string, string>): Promise<TestClient> {
  const [client] = await TestClient.join(url, room, meta);
  clients.push(client);
  return client;
}

before(async () => {
  ({ relay, url, http } = await startRelay({ iceServers: [{ urls: 'stun:stun.example.org:3478' }] }));
});
after(async () => {
  for (const client of clients) client.close();
  await relay.close();
});

describe('#join', () => {
  it('welcomes with an unguessable id, the peers already there, their meta, and the ICE servers', async () => {
    const [alice, aliceWelcome] = await TestClient.join(url, 'join-1', { name: 'Alice' });
    clients.push(alice);
    assert.deepEqual(aliceWelcome.peers, []);
    assert.equal(aliceWelcome.room, 'join-1');
    assert.deepEqual(aliceWelcome.iceServers, [{ urls: 'stun:stun.example.org:3478' }]);
    assert.match(aliceWelcome.peer, /^[A-Za-z0-9_-]{16,}$/);

    const [bob, bobWelcome] = await TestClient.join(url, 'join-1', { name: 'Bob' });
    clients.push(bob);
    assert.notEqual(bobWelcome.peer, aliceWelcome.peer);
    assert.deepEqual(bobWelcome.peers, [{ id: aliceWelcome.peer, meta: { name: 'Alice' } }]);
    assert.deepEqual(await alice.expect('peer-joined'), {
      type: 'peer-joined',
      peer: { id: bobWelcome.peer, meta: { name: 'Bob' } },
    });
  });

  it('gives meta {} when none is sent', async () => {
    const alice = await joined('join-2');
    const bob = await joined('join-2');
    assert.deepEqual((await alice.expect('peer-joined')).peer, { id: bob.id, meta: {} });
  });

  it('refuses a second join with already-joined, and the first membership stands', async () => {
    const alice = await joined('join-3');
    alice.send({ type: 'join', room: 'join-4' });
    assert.equal((await alice.expect('error')).code, 'already-joined');
    const bob = await joined('join-3');
    await alice.expect('peer-joined');
    bob.send({ type: 'signal', to: alice.id, data: 1 });
    assert.equal((await alice.expect('signal')).from, bob.id);
  });

  it('answers room-full to the peer past the cap', async () => {
    const small = await startRelay({ maxPeersPerRoom: 2 });
    const [a] = await TestClient.join(small.url, 'full');
    const [b] = await TestClient.join(small.url, 'full');
    const c = await TestClient.connect(small.url);
    c.send({ type: 'join', room: 'full' });
    assert.equal((await c.expect('error')).code, 'room-full');
    await a.expect('peer-joined');
    assert.deepEqual(a.pending, [], 'the refused peer is never announced');
    // A seat frees up when someone leaves. (A dropped socket keeps its seat for the resume grace period.)
    b.send({ type: 'leave' });
    await a.expect('peer-left');
    await c.join('full');
    for (const client of [a, c]) client.close();
    await small.relay.close();
  });
});

describe('#signal', () => {
  it('routes to the named peer with from set by the server, ignoring a spoofed from', async () => {
    const alice = await joined('sig-1');
    const bob = await joined('sig-1');
    const carol = await joined('sig-1');
    await alice.expect('peer-joined');
    await alice.expect('peer-joined');
    await bob.expect('peer-joined');
    alice.send({ type: 'signal', to: bob.id, from: carol.id, data: { sdp: 'x' } });
    assert.deepEqual(await bob.expect('signal'), { type: 'signal', from: alice.id, data: { sdp: 'x' } });
    await carol.roundTrip(); // Carol got nothing before her pong.
  });

  it('keeps order per sender and receiver', async () => {
    const alice = await joined('sig-2');
    const bob = await joined('sig-2');
    for (let i = 0; i < 150; i++) alice.send({ type: 'signal', to: bob.id, data: i });
    for (let i = 0; i < 150; i++) assert.equal((await bob.expect('signal')).data, i);
  });

  it('answers unknown-peer for a peer in another room, which receives nothing', async () => {
    const alice = await joined('iso-a');
    const mallory = await joined('iso-b');
    mallory.send({ type: 'signal', to: alice.id, data: 'hi' });
    assert.equal((await mallory.expect('error')).code, 'unknown-peer');
    await alice.roundTrip();
  });

  it('answers unknown-peer for an id that does not exist', async () => {
    const alice = await joined('sig-3');
    alice.send({ type: 'signal', to: 'nobody', data: null });
    assert.equal((await alice.expect('error')).code, 'unknown-peer');
  });

  it('answers not-joined to a signal before join', async () => {
    const alice = await joined('sig-4');
    const stranger = await TestClient.connect(url);
    clients.push(stranger);
    stranger.send({ type: 'signal', to: alice.id, data: 'hi' });
    assert.equal((await stranger.expect('error')).code, 'not-joined');
    await alice.roundTrip();
  });
});

describe('#leave', () => {
  it('tells the room peer-left, and the connection can join again', async () => {
    const alice = await joined('leave-1');
    const bob = await joined('leave-1');
    await alice.expect('peer-joined');
    bob.send({ type: 'leave' });
    assert.deepEqual(await alice.expect('peer-left'), { type: 'peer-left', peer: bob.id });
    const welcome = await bob.join('leave-1');
    assert.deepEqual(
      welcome.peers.map((p) => p.id),
      [alice.id],
    );
    assert.equal((await alice.expect('peer-joined')).peer.id, bob.id);
  });

  it('answers not-joined to leave outside a room', async () => {
    const client = await TestClient.connect(url);
    clients.push(client);
    client.send({ type: 'leave' });
    assert.equal((await client.expect('error')).code, 'not-joined');
  });

  it('tells the room peer-left at once when a connection closes abruptly and resume is off', async () => {
    const own = await startRelay({ resumeGrace: 0 });
    const [alice] = await TestClient.join(own.url, 'leave-2');
    const [bob, welcome] = await TestClient.join(own.url, 'leave-2');
    assert.equal(welcome.resume, undefined, 'no resume token when resume is off');
    await alice.expect('peer-joined');
    bob.ws.terminate();
    assert.deepEqual(await alice.expect('peer-left'), { type: 'peer-left', peer: bob.id });
    alice.close();
    await own.relay.close();
  });
});

describe('#ping', () => {
  it('answers pong, joined or not', async () => {
    const client = await TestClient.connect(url);
    clients.push(client);
    await client.roundTrip();
    await client.join('ping-1');
    await client.roundTrip();
  });
});

describe('#logs', () => {
  it('writes one JSON line per connect, join, leave, close and error, without signal data', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = { write: (line: string) => lines.push(JSON.parse(line)) };
    // Resume off: Alice's close then ends her session at once, and its leave line is the one to check.
    const own = await startRelay({ logger: pino({ level: 'info' }, stream), resumeGrace: 0 });
    const [alice] = await TestClient.join(own.url, 'logs', { name: 'Alice' });
    const [bob] = await TestClient.join(own.url, 'logs');
    bob.send({ type: 'signal', to: alice.id, data: { sdp: 'v=0 secret-sdp' } });
    await alice.expect('peer-joined');
    await alice.expect('signal');
    bob.send({ type: 'bogus' });
    await bob.expect('error');
    bob.send({ type: 'leave' });
    await alice.expect('peer-left');
    alice.close();
    await alice.closed;
    await own.relay.close();
    const of = (msg: string) => lines.filter((l) => l.msg === msg);
    assert.equal(of('connect').length, 2);
    assert.deepEqual(
      of('join').map((l) => [l.peer, l.room]),
      [
        [alice.id, 'logs'],
        [bob.id, 'logs'],
      ],
    );
    assert.deepEqual(
      of('error').map((l) => [l.peer, l.room, l.code]),
      [[bob.id, 'logs', 'unknown-type']],
    );
    assert.deepEqual(
      of('leave').map((l) => [l.peer, l.reason]),
      [
        [bob.id, 'leave'],
        [alice.id, 'close'],
      ],
    );
    const closed = of('close').find((l) => l.peer === alice.id)!;
    assert.equal(closed.room, 'logs', 'the close line says which room the peer was in');
    for (const line of [...of('connect'), ...of('join'), ...of('leave'), ...of('close'), ...of('error')])
      assert.ok(line.address, `${String(line.msg)} has the remote address`);
    assert.ok(!JSON.stringify(lines).includes('secret-sdp'), 'signal data never reaches the logs');
  });
});

describe('#http', () => {
  it('reports rooms and peers on /healthz', async () => {
    const own = await startRelay();
    const [a] = await TestClient.join(own.url, 'h1');
    const [b] = await TestClient.join(own.url, 'h1');
    const [c] = await TestClient.join(own.url, 'h2');
    assert.deepEqual(await (await fetch(`${own.http}/healthz`)).json(), { ok: true, rooms: 2, peers: 3 });
    for (const client of [a, b, c]) client.close();
    await own.relay.close();
  });

  it("serves the package's own browser build at /dist/ without being told where it is, as rtc-relay does", async () => {
    // An embedded `new Relay()` (the README's example) and the bin serve the same kit; `npm test` builds it first.
    assert.ok(existsSync('dist/rtc-kit.js'), 'dist/rtc-kit.js is missing: run `npm run build` first');
    const response = await fetch(`${http}/dist/rtc-kit.js`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), readFileSync('dist/rtc-kit.js', 'utf8'));
  });

  it('answers 404 for an unknown path and refuses WebSocket upgrades off /signal', async () => {
    assert.equal((await fetch(`${http}/nope`)).status, 404);
    await assert.rejects(TestClient.connect(url.replace('/signal', '/other')), /404/);
  });
});
