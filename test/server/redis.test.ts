import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Relay } from '../../server/index.js';
import { findRedisServer, startRedis, startRelayProcess, type Started } from './redis.js';
import { startRelay, TestClient } from './helpers.js';

const skip = findRedisServer() ? false : 'redis-server is not installed';

describe('#redis', { skip }, () => {
  let redis: Started & { url: string };
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('shares a room between two relay processes: welcome, peer-joined, signals both ways, peer-left on leave', async () => {
    const ttl = ['--redis-ttl', '600'];
    const [a, b] = await Promise.all([
      startRelayProcess(['--redis-url', redis.url, ...ttl]),
      startRelayProcess(['--redis-url', redis.url, ...ttl]),
    ]);
    try {
      const [alice, aliceWelcome] = await TestClient.join(a.url, 'cross', { name: 'Alice' });
      assert.deepEqual(aliceWelcome.peers, []);
      const [bob, bobWelcome] = await TestClient.join(b.url, 'cross', { name: 'Bob' });
      assert.deepEqual(bobWelcome.peers, [{ id: alice.id, meta: { name: 'Alice' } }], 'B sees who is on A');
      assert.deepEqual((await alice.expect('peer-joined')).peer, { id: bob.id, meta: { name: 'Bob' } });
      // Both ways, in order.
      for (let i = 0; i < 50; i++) alice.send({ type: 'signal', to: bob.id, data: i });
      for (let i = 0; i < 50; i++) bob.send({ type: 'signal', to: alice.id, data: 100 + i });
      for (let i = 0; i < 50; i++)
        assert.deepEqual(await bob.expect('signal'), { type: 'signal', from: alice.id, data: i });
      for (let i = 0; i < 50; i++)
        assert.deepEqual(await alice.expect('signal'), { type: 'signal', from: bob.id, data: 100 + i });
      // A third peer, on A, meets both; an id from another room is still unknown.
      const [carol, carolWelcome] = await TestClient.join(a.url, 'cross');
      assert.deepEqual(
        carolWelcome.peers.map((p) => p.id),
        [alice.id, bob.id],
        'oldest first, across nodes',
      );
      await alice.expect('peer-joined');
      await bob.expect('peer-joined');
      const [stranger] = await TestClient.join(b.url, 'elsewhere');
      stranger.send({ type: 'signal', to: alice.id, data: 'x' });
      assert.equal((await stranger.expect('error')).code, 'unknown-peer');
      bob.send({ type: 'leave' });
      assert.equal((await alice.expect('peer-left')).peer, bob.id);
      assert.equal((await carol.expect('peer-left')).peer, bob.id);
      for (const c of [alice, bob, carol, stranger]) c.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('tells the room peer-left when a node is killed, once its records expire', async () => {
    const args = ['--redis-url', redis.url, '--redis-ttl', '300'];
    const [a, b] = await Promise.all([startRelayProcess(args), startRelayProcess(args)]);
    try {
      const [alice] = await TestClient.join(a.url, 'kill');
      const [bob] = await TestClient.join(b.url, 'kill');
      const [bob2] = await TestClient.join(b.url, 'kill');
      await alice.expect('peer-joined');
      await alice.expect('peer-joined');
      await b.stop('SIGKILL');
      const left = [(await alice.expect('peer-left')).peer, (await alice.expect('peer-left')).peer].sort();
      assert.deepEqual(left, [bob.id, bob2.id].sort());
      // The seats are free again: a newcomer on A sees only Alice.
      const [dave, welcome] = await TestClient.join(a.url, 'kill');
      assert.deepEqual(
        welcome.peers.map((p) => p.id),
        [alice.id],
      );
      for (const c of [alice, dave]) c.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('holds the room cap across nodes', async () => {
    const nodes = [
      await startRelay({ redisUrl: redis.url, maxPeersPerRoom: 2, redisTtl: 1000 }),
      await startRelay({ redisUrl: redis.url, maxPeersPerRoom: 2, redisTtl: 1000 }),
    ] as const;
    const [one] = await TestClient.join(nodes[0].url, 'cap');
    const [two] = await TestClient.join(nodes[1].url, 'cap');
    const three = await TestClient.connect(nodes[0].url);
    three.send({ type: 'join', room: 'cap' });
    assert.equal((await three.expect('error')).code, 'room-full');
    const four = await TestClient.connect(nodes[1].url);
    four.send({ type: 'join', room: 'cap' });
    assert.equal((await four.expect('error')).code, 'room-full');
    // Frames sent behind a join that waits on Redis are answered after it, in order.
    two.send({ type: 'leave' });
    assert.equal((await one.expect('peer-joined')).peer.id, two.id);
    assert.equal((await one.expect('peer-left')).peer, two.id);
    four.send({ type: 'join', room: 'cap' });
    four.send({ type: 'signal', to: one.id, data: 'right after join' });
    const { peer } = await four.expect('welcome');
    assert.equal((await one.expect('peer-joined')).peer.id, peer);
    assert.deepEqual(await one.expect('signal'), { type: 'signal', from: peer, data: 'right after join' });
    for (const c of [one, two, three, four]) c.close();
    for (const node of nodes) await node.relay.close();
  });

  it('refuses a malformed --redis-url at start', () => {
    assert.throws(() => new Relay({ redisUrl: 'localhost:6379' }), /redis:\/\//);
    assert.throws(() => new Relay({ redisUrl: 'redis://x', redisTtl: 10 }), /redisTtl/);
  });
});
