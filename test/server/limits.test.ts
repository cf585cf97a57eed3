import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import type { Relay } from '../../server/index.js';
import { startRelay, TestClient } from './helpers.js';

let relay: Relay;
let url: string;
let room = 0;

before(async () => {
  ({ relay, url } = await startRelay());
});
after(() => relay.close());

/** A room of three: the offender, a bystander, and a third peer the bystander can still talk to. */
async function roomOfThree(): Promise<{ offender: TestClient; bystander: TestClient; friend: TestClient }> {
  const name = `limits-${room++}`;
  const [offender] = await TestClient.join(url, name);
  const [bystander] = await TestClient.join(url, name);
  const [friend] = await TestClient.join(url, name);
  await offender.expect('peer-joined');
  await offender.expect('peer-joined');
  await bystander.expect('peer-joined');
  return { offender, bystander, friend };
}

/** The bystander still signals its friend through the relay. */
async function bystanderStillWorks(bystander: TestClient, friend: TestClient): Promise<void> {
  bystander.send({ type: 'signal', to: friend.id, data: 'still here' });
  assert.deepEqual(await friend.expect('signal'), { type: 'signal', from: bystander.id, data: 'still here' });
}

describe('#bad-input', () => {
  const cases: [string, string | Buffer, string][] = [
    ['invalid JSON', '{"type":', 'bad-message'],
    ['a JSON array', '[1,2,3]', 'bad-message'],
    ['JSON null', 'null', 'bad-message'],
    ['a number type', '{"type":7}', 'bad-message'],
    ['a binary frame', Buffer.from('{"type":"ping"}'), 'bad-message'],
    ['an unknown type', '{"type":"shout"}', 'unknown-type'],
    ['a bad room name', '{"type":"join","room":"no spaces/here"}', 'bad-message'],
    ['an empty room name', '{"type":"join","room":""}', 'bad-message'],
    ['a 65-character room', JSON.stringify({ type: 'join', room: 'r'.repeat(65) }), 'bad-message'],
    ['meta that is not an object', '{"type":"join","room":"x","meta":"Alice"}', 'bad-message'],
    ['meta over 1 KiB', JSON.stringify({ type: 'join', room: 'x', meta: { name: 'a'.repeat(1100) } }), 'bad-message'],
    ['signal without to', '{"type":"signal","data":1}', 'bad-message'],
    ['signal with a numeric to', '{"type":"signal","to":5,"data":1}', 'bad-message'],
    ['signal without data', '{"type":"signal","to":"abc"}', 'bad-message'],
  ];
  for (const [name, frame, code] of cases) {
    it(`answers ${code} to ${name}; the sender and a bystander keep working`, async () => {
      const { offender, bystander, friend } = await roomOfThree();
      offender.ws.send(frame);
      const error = await offender.expect('error');
      assert.equal(error.code, code);
      assert.ok(error.message.length > 0);
      await offender.roundTrip();
      await bystanderStillWorks(bystander, friend);
      for (const client of [offender, bystander, friend]) client.close();
    });
  }

  it('answers not-joined to a signal before join', async () => {
    const client = await TestClient.connect(url);
    client.send({ type: 'signal', to: 'x', data: 1 });
    assert.equal((await client.expect('error')).code, 'not-joined');
    await client.roundTrip();
    client.close();
  });

  it('survives any frame a fuzzer throws at it, answering each with at most one message', async () => {
    const own = await startRelay({ rateLimit: 100_000, rateBurst: 100_000 });
    const [bystander] = await TestClient.join(own.url, 'fuzz-room');
    const [friend] = await TestClient.join(own.url, 'fuzz-room');
    await bystander.expect('peer-joined');
    const offender = await TestClient.connect(own.url);
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          type: fc.constantFrom('join', 'signal', 'leave', 'ping', 'welcome'),
          room: fc.anything(),
          to: fc.anything(),
          data: fc.anything(),
          meta: fc.anything(),
        })
        .map((value) => JSON.stringify(value) ?? 'null'),
    );
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        offender.ws.send(frame);
        offender.send({ type: 'ping' });
        const answers = [];
        for (let message = await offender.next(); message.type !== 'pong'; message = await offender.next())
          answers.push(message);
        assert.ok(answers.length <= 1, `one frame, one answer at most: ${JSON.stringify(answers)}`);
      }),
      { numRuns: 300 },
    );
    await bystanderStillWorks(bystander, friend);
    assert.equal(offender.ws.readyState, WebSocket.OPEN);
    for (const client of [offender, bystander, friend]) client.close();
    await own.relay.close();
  });
});

describe('#limits', () => {
  it('closes only the connection that sends a frame over maxPayload, with 1009', async () => {
    const { offender, bystander, friend } = await roomOfThree();
    offender.ws.send(JSON.stringify({ type: 'signal', to: bystander.id, data: 'x'.repeat(70 * 1024) }));
    assert.equal((await offender.closed).code, 1009);
    assert.equal((await bystander.expect('peer-left')).peer, offender.id);
    assert.equal((await friend.expect('peer-left')).peer, offender.id);
    await bystanderStillWorks(bystander, friend);
    bystander.close();
    friend.close();
  });

  it('rate-limits past the burst, then closes with 1008 a client that keeps going', async () => {
    const own = await startRelay({ rateLimit: 5, rateBurst: 10, rateLimitClose: 20 });
    const [offender] = await TestClient.join(own.url, 'rate');
    const [bystander] = await TestClient.join(own.url, 'rate');
    const [friend] = await TestClient.join(own.url, 'rate');
    await bystander.expect('peer-joined');
    await offender.expect('peer-joined');
    await offender.expect('peer-joined');
    for (let i = 0; i < 100; i++) offender.send({ type: 'ping' });
    const { code } = await offender.closed;
    assert.equal(code, 1008);
    const answers = [...offender.pending];
    const pongs = answers.filter((m) => m.type === 'pong').length;
    const limited = answers.filter((m) => m.type === 'error' && m.code === 'rate-limited').length;
    assert.ok(pongs >= 7 && pongs <= 12, `about the burst got through (${pongs})`);
    assert.ok(limited >= 1, 'the client was told it was rate-limited before being closed');
    assert.equal((await bystander.expect('peer-left')).peer, offender.id);
    assert.equal((await friend.expect('peer-left')).peer, offender.id);
    await bystanderStillWorks(bystander, friend);
    bystander.close();
    friend.close();
    await own.relay.close();
  });

  it('answers rate-limited without closing a client that backs off', async () => {
    const own = await startRelay({ rateLimit: 5, rateBurst: 10, rateLimitClose: 50 });
    const client = await TestClient.connect(own.url);
    for (let i = 0; i < 15; i++) client.send({ type: 'ping' });
    const answers = [];
    for (let i = 0; i < 15; i++) answers.push(await client.next());
    assert.ok(answers.some((m) => m.type === 'error' && m.code === 'rate-limited'));
    // Wait for the bucket to refill by polling, not sleeping blindly: a pong means the client is let through.
    let pong = false;
    for (let i = 0; i < 50 && !pong; i++) {
      await new Promise((r) => setTimeout(r, 100));
      client.send({ type: 'ping' });
      pong = (await client.next()).type === 'pong';
    }
    assert.ok(pong, 'the client recovers once it slows down');
    assert.equal(client.ws.readyState, WebSocket.OPEN);
    client.close();
    await own.relay.close();
  });

  it('terminates a socket that misses a heartbeat pong and tells its room', async () => {
    // A short resume grace: the terminated session is held that long before its room is told.
    const own = await startRelay({ heartbeatInterval: 50, resumeGrace: 50 });
    const [alive] = await TestClient.join(own.url, 'hb');
    const dead = await TestClient.connect(own.url, { autoPong: false });
    await dead.join('hb');
    assert.equal((await alive.expect('peer-joined')).peer.id, dead.id);
    assert.equal((await alive.expect('peer-left')).peer, dead.id);
    await dead.closed;
    // The live client answered every ping and is still there.
    await alive.roundTrip();
    assert.equal(alive.ws.readyState, WebSocket.OPEN);
    alive.close();
    await own.relay.close();
  });
});
