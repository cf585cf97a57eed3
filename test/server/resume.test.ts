import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logWatcher, startRelay, TestClient } from './helpers.js';

/** A relay whose log a test can wait on, with Alice and Bob in `room`. */
async function pair(room: string, options: Parameters<typeof startRelay>[0] = {}) {
  const watch = logWatcher();
  const own = await startRelay({ logger: watch.logger, ...options });
  const [alice] = await TestClient.join(own.url, room, { name: 'Alice' });
  const [bob, welcome] = await TestClient.join(own.url, room, { name: 'Bob' });
  await alice.expect('peer-joined');
  return { ...own, watch, alice, bob, welcome };
}

describe('#resume', () => {
  it('gives back the same peer id inside the grace period, with what was sent meanwhile, in order', async () => {
    const { relay, url, http, watch, alice, bob, welcome } = await pair('resume-1');
    assert.match(welcome.resume ?? '', /^[A-Za-z0-9_-]{24}$/, 'welcome carries an unguessable resume token');
    bob.ws.terminate();
    await watch.waitFor('hold', { peer: bob.id });
    for (let i = 0; i < 3; i++) alice.send({ type: 'signal', to: bob.id, data: i });
    await alice.roundTrip(); // The relay took all three: no unknown-peer, nothing else for Alice.

    const again = await TestClient.connect(url);
    again.send({ type: 'join', room: 'resume-1', resume: welcome.resume, meta: { name: 'ignored' } });
    const back = await again.expect('welcome');
    assert.equal(back.peer, bob.id, 'same peer id');
    assert.deepEqual(back.peers, [{ id: alice.id, meta: { name: 'Alice' } }]);
    assert.ok(back.resume && back.resume !== welcome.resume, 'a fresh token each welcome');
    for (let i = 0; i < 3; i++)
      assert.deepEqual(await again.expect('signal'), { type: 'signal', from: alice.id, data: i });
    // Live again, both ways; Alice saw no peer-left and no peer-joined.
    again.send({ type: 'signal', to: alice.id, data: 'back' });
    assert.deepEqual(await alice.expect('signal'), { type: 'signal', from: bob.id, data: 'back' });
    await alice.roundTrip();
    assert.deepEqual(alice.pending, []);
    assert.match(await (await fetch(`${http}/metrics`)).text(), /rtc_relay_resumes_total 1/);
    // The old token is spent.
    const thief = await TestClient.connect(url);
    thief.send({ type: 'join', room: 'resume-1', resume: welcome.resume });
    assert.notEqual((await thief.expect('welcome')).peer, bob.id);
    for (const c of [alice, again, thief]) c.close();
    await relay.close();
  });

  it('takes over a session whose old socket the relay still thinks open, once that socket fails a ping', async () => {
    const watch = logWatcher();
    const { relay, url } = await startRelay({ logger: watch.logger });
    const [alice] = await TestClient.join(url, 'resume-2', { name: 'Alice' });
    // Bob's socket stays open but answers nothing: a connection lost without either end noticing yet.
    const bob = await TestClient.connect(url, { autoPong: false });
    const welcome = await bob.join('resume-2');
    await alice.expect('peer-joined');
    const again = await TestClient.connect(url);
    again.send({ type: 'join', room: 'resume-2', resume: welcome.resume });
    assert.equal((await again.expect('welcome')).peer, bob.id);
    assert.equal((await bob.closed).code, 4000, 'the old socket is closed as superseded');
    alice.send({ type: 'signal', to: bob.id, data: 'to the new socket' });
    assert.equal((await again.expect('signal')).data, 'to the new socket');
    await alice.roundTrip();
    assert.deepEqual(alice.pending, [], 'no peer-left, no peer-joined');
    for (const c of [alice, again]) c.close();
    await relay.close();
  });

  it('never lets a resume token take a session from a live connection: the thief joins as a new peer', async () => {
    const { relay, url, watch, alice, bob, welcome } = await pair('resume-stolen');
    const thief = await TestClient.connect(url);
    thief.send({ type: 'join', room: 'resume-stolen', resume: welcome.resume });
    const stolen = await thief.expect('welcome');
    assert.notEqual(stolen.peer, bob.id, 'the thief gets an id of its own');
    await watch.waitFor('resume refused: live', { peer: bob.id });
    assert.equal((await alice.expect('peer-joined')).peer.id, stolen.peer, 'and is announced as who it is');
    // Bob was not disturbed: still connected, still reachable under his id.
    assert.equal((await bob.expect('peer-joined')).peer.id, stolen.peer);
    alice.send({ type: 'signal', to: bob.id, data: 'still yours' });
    assert.equal((await bob.expect('signal')).data, 'still yours');
    await bob.roundTrip();
    for (const c of [alice, bob, thief]) c.close();
    await relay.close();
  });

  it('tells the room peer-left once the grace period is over; the token then joins as a new peer', async () => {
    const { relay, url, alice, bob, welcome } = await pair('resume-3', { resumeGrace: 100 });
    bob.ws.terminate();
    assert.deepEqual(await alice.expect('peer-left'), { type: 'peer-left', peer: bob.id });
    const again = await TestClient.connect(url);
    again.send({ type: 'join', room: 'resume-3', resume: welcome.resume });
    const fresh = await again.expect('welcome');
    assert.notEqual(fresh.peer, bob.id);
    assert.equal((await alice.expect('peer-joined')).peer.id, fresh.peer);
    for (const c of [alice, again]) c.close();
    await relay.close();
  });

  it('ends a held session at once when more arrives for it than the bound', async () => {
    const { relay, watch, alice, bob } = await pair('resume-4', { resumeBuffer: 2 });
    bob.ws.terminate();
    await watch.waitFor('hold', { peer: bob.id });
    for (let i = 0; i < 3; i++) alice.send({ type: 'signal', to: bob.id, data: i });
    assert.deepEqual(await alice.expect('peer-left'), { type: 'peer-left', peer: bob.id });
    assert.equal((await watch.waitFor('leave', { peer: bob.id })).reason, 'resume buffer full');
    alice.close();
    await relay.close();
  });

  it('sends peer-left at once on leave, and tells a resumed peer who left meanwhile', async () => {
    const { relay, url, watch, alice, bob, welcome } = await pair('resume-5');
    const [carol] = await TestClient.join(url, 'resume-5');
    await alice.expect('peer-joined');
    await bob.expect('peer-joined');
    bob.ws.terminate();
    await watch.waitFor('hold', { peer: bob.id });
    carol.send({ type: 'leave' });
    assert.equal((await alice.expect('peer-left')).peer, carol.id, 'a clean leave is announced at once');
    const again = await TestClient.connect(url);
    again.send({ type: 'join', room: 'resume-5', resume: welcome.resume });
    const back = await again.expect('welcome');
    assert.deepEqual(
      back.peers.map((p) => p.id),
      [alice.id],
    );
    assert.deepEqual(await again.expect('peer-left'), { type: 'peer-left', peer: carol.id });
    for (const c of [alice, again, carol]) c.close();
    await relay.close();
  });

  it('keeps the seat of a held session, and does not resume into another room', async () => {
    const { relay, url, watch, alice, bob, welcome } = await pair('resume-6', { maxPeersPerRoom: 2 });
    bob.ws.terminate();
    await watch.waitFor('hold', { peer: bob.id });
    const late = await TestClient.connect(url);
    late.send({ type: 'join', room: 'resume-6' });
    assert.equal((await late.expect('error')).code, 'room-full', 'the held session still counts');
    late.send({ type: 'join', room: 'elsewhere', resume: welcome.resume });
    assert.notEqual((await late.expect('welcome')).peer, bob.id);
    assert.deepEqual(alice.pending, []);
    for (const c of [alice, late]) c.close();
    await relay.close();
  });

  it('rejects a malformed resume token as bad-message', async () => {
    const { relay, url } = await startRelay();
    const client = await TestClient.connect(url);
    client.send({ type: 'join', room: 'r', resume: 'short' });
    assert.equal((await client.expect('error')).code, 'bad-message');
    client.send({ type: 'join', room: 'r', resume: 42 });
    assert.equal((await client.expect('error')).code, 'bad-message');
    client.close();
    await relay.close();
  });
});
