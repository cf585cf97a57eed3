/**
 * Redis scale-out under faults, against a real `redis-server`: killed (SIGKILL) and restarted empty, and its
 * pub/sub connections cut (`CLIENT KILL TYPE pubsub`), with two relay nodes on it. Asserts what users see.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Relay } from '../../server/index.js';
import type { ServerMessage } from '../../src/signaling/protocol.js';
import { findRedisServer, startRedis, waitUntil, type Started } from './redis.js';
import { startRelay, TestClient } from './helpers.js';

const skip = findRedisServer() ? false : 'redis-server is not installed';

/** Refresh every 200 ms: a node that does not come back is given up after 600 ms. */
const TTL = 600;

type Node = Awaited<ReturnType<typeof startRelay>>;

describe('#redis-faults', { skip }, () => {
  let redis: Started & { url: string; port: number };
  let nodes: Node[] = [];
  let clients: TestClient[] = [];

  beforeEach(async () => {
    redis = await startRedis();
    nodes = [];
    for (let i = 0; i < 2; i++)
      nodes.push(await startRelay({ redisUrl: redis.url, redisTtl: TTL, maxConnectionsPerIp: 100 }));
    clients = [];
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    await Promise.all(nodes.map((node) => node.relay.close()));
    await redis.stop('SIGKILL');
  });

  const join = async (node: Node, room: string, meta?: Record<string, string>): Promise<[TestClient, string[]]> => {
    const [client, welcome] = await TestClient.join(node.url, room, meta);
    clients.push(client);
    return [client, welcome.peers.map((peer) => peer.id)];
  };
  const backplane = (relay: Relay): string | undefined => relay.health().backplane;
  const healthz = async (node: Node): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${node.http}/healthz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** SIGKILLs Redis, waits until both nodes say their backplane is down, and starts it again, empty. */
  const restartRedis = async (during?: () => Promise<void>): Promise<void> => {
    await redis.stop('SIGKILL');
    await waitUntil(() => nodes.every((node) => backplane(node.relay) === 'down'), 'both nodes see Redis down');
    await during?.();
    redis = await startRedis(redis.port);
    await waitUntil(() => nodes.every((node) => backplane(node.relay) === 'up'), 'both nodes resynced');
  };
  /** A signal each way between `a` and `b`, delivered. */
  const signalsCross = async (a: TestClient, b: TestClient, tag: string): Promise<void> => {
    a.send({ type: 'signal', to: b.id, data: `${tag} a→b` });
    b.send({ type: 'signal', to: a.id, data: `${tag} b→a` });
    assert.deepEqual(await b.expect('signal'), { type: 'signal', from: a.id, data: `${tag} a→b` });
    assert.deepEqual(await a.expect('signal'), { type: 'signal', from: b.id, data: `${tag} b→a` });
  };

  it('after Redis restarts empty, every peer sees and reaches every other, and a new joiner is announced across', async () => {
    const [alice] = await join(nodes[0]!, 'room', { name: 'Alice' });
    const [bob] = await join(nodes[1]!, 'room', { name: 'Bob' });
    assert.equal((await alice.expect('peer-joined')).peer.id, bob.id);
    await signalsCross(alice, bob, 'before');

    await restartRedis();
    await signalsCross(alice, bob, 'after');
    const [carol, carolSees] = await join(nodes[1]!, 'room', { name: 'Carol' });
    // In join order as far as Redis knows: after a restart, in the order the nodes put their peers back.
    assert.deepEqual(carolSees.toSorted(), [alice.id, bob.id].toSorted(), 'the newcomer on node 2 sees both');
    assert.deepEqual((await alice.expect('peer-joined')).peer, { id: carol.id, meta: { name: 'Carol' } });
    assert.equal((await bob.expect('peer-joined')).peer.id, carol.id);
    await signalsCross(alice, carol, 'new');
    const [dave, daveSees] = await join(nodes[0]!, 'room');
    assert.deepEqual(daveSees.toSorted(), [alice.id, bob.id, carol.id].toSorted(), 'and a newcomer on node 1 too');
    for (const client of [alice, bob, carol]) assert.equal((await client.expect('peer-joined')).peer.id, dave.id);
    await signalsCross(dave, bob, 'dave');
    // Nobody saw anyone leave or join twice: the restart is invisible to the room.
    for (const client of [alice, bob, carol, dave]) {
      await client.roundTrip();
      assert.deepEqual(client.pending, []);
    }
  });

  it('while Redis is down: /healthz is 503, a cross-node signal is answered unavailable, a join gets unavailable and ping still works', async () => {
    const [alice] = await join(nodes[0]!, 'room');
    const [bob] = await join(nodes[1]!, 'room');
    await alice.expect('peer-joined');
    assert.deepEqual(await healthz(nodes[0]!), {
      status: 200,
      body: { ok: true, rooms: 1, peers: 1, backplane: 'up' },
    });

    await restartRedis(async () => {
      for (const node of nodes) {
        const { status, body } = await healthz(node);
        assert.equal(status, 503, 'a load balancer drains the node');
        assert.equal(body.ok, false);
        assert.equal(body.backplane, 'down');
      }
      alice.send({ type: 'signal', to: bob.id, data: 'lost?' });
      const error = await alice.expect('error');
      assert.equal(error.code, 'unavailable', 'the sender learns its signal did not cross');
      assert.match(error.message, new RegExp(bob.id));
      const late = await TestClient.connect(nodes[0]!.url);
      clients.push(late);
      late.send({ type: 'join', room: 'room' });
      late.send({ type: 'ping' });
      assert.equal((await late.expect('error')).code, 'unavailable', 'a clear answer, not a hang');
      await late.expect('pong');
    });

    for (const node of nodes) assert.equal((await healthz(node)).status, 200);
    await signalsCross(alice, bob, 'after');
    assert.deepEqual(bob.pending, [], 'the signal that failed was not delivered late');
  });

  it('a leave during the outage reaches the other node after Redis is back: no ghost', async () => {
    const [alice] = await join(nodes[0]!, 'room');
    const [bob] = await join(nodes[1]!, 'room');
    const [carol] = await join(nodes[1]!, 'room');
    await alice.expect('peer-joined');
    await alice.expect('peer-joined');
    await bob.expect('peer-joined');

    await restartRedis(async () => {
      bob.send({ type: 'leave' });
      // Carol, on bob's node, hears it at once.
      assert.equal((await carol.expect('peer-left')).peer, bob.id);
    });

    assert.equal((await alice.expect('peer-left')).peer, bob.id, 'the other node hears it after the restart');
    const [dave, daveSees] = await join(nodes[0]!, 'room');
    assert.deepEqual(daveSees.toSorted(), [alice.id, carol.id].toSorted(), 'no ghost');
    assert.equal((await alice.expect('peer-joined')).peer.id, dave.id);
    assert.equal((await carol.expect('peer-joined')).peer.id, dave.id);
    alice.send({ type: 'signal', to: bob.id, data: 'ghost?' });
    assert.equal((await alice.expect('error')).code, 'unknown-peer');
    await signalsCross(alice, carol, 'after');
  });

  it('a node whose pub/sub connection is cut answers a join at once or after its resync, never hangs, and stays in the room', async () => {
    const [alice] = await join(nodes[0]!, 'room');
    const [bob] = await join(nodes[1]!, 'room');
    await alice.expect('peer-joined');
    const admin = new Redis(redis.url);
    try {
      const killed = await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      assert.equal(killed, 2, 'both nodes lose their subscriber');
      // A join into a room node 2 already follows: before the fix its own announcement was lost and it hung.
      const carol = await TestClient.connect(nodes[1]!.url);
      clients.push(carol);
      carol.send({ type: 'join', room: 'room' });
      carol.send({ type: 'ping' });
      let answer: ServerMessage = await carol.next();
      while (answer.type === 'error' && answer.code === 'unavailable') {
        await carol.expect('pong');
        await waitUntil(() => backplane(nodes[1]!.relay) === 'up', 'node 2 resynced');
        carol.send({ type: 'join', room: 'room' });
        carol.send({ type: 'ping' });
        answer = await carol.next();
      }
      assert.equal(answer.type, 'welcome', JSON.stringify(answer));
      carol.id = answer.peer;
      await carol.expect('pong');
      await waitUntil(() => nodes.every((node) => backplane(node.relay) === 'up'), 'both nodes resynced');
      assert.equal((await alice.expect('peer-joined')).peer.id, carol.id, 'announced across');
      assert.equal((await bob.expect('peer-joined')).peer.id, carol.id);
      await signalsCross(alice, carol, 'carol');
      await signalsCross(alice, bob, 'bob');
    } finally {
      admin.disconnect();
    }
  });
});
