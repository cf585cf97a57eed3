import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromCallback, setup, waitFor, type AnyEventObject } from 'xstate';
import { callMachine, type CallEmitted, type CallInput } from '../../src/machines/call.machine.js';
import type { SignalingNotification } from '../../src/machines/signaling.machine.js';
import type { PeerInfo } from '../../src/signaling/protocol.js';

/** Fakes for the call's children: they record what the call sends them. */
function start(input: Partial<CallInput> = {}, peerState: 'connected' | 'connecting' = 'connected') {
  const toSignaling: AnyEventObject[] = [];
  const toPeers: { peer: string; event: AnyEventObject }[] = [];
  const toMedia: AnyEventObject[] = [];
  const recorder = (log: AnyEventObject[]) =>
    fromCallback(({ receive }) => {
      receive((event) => log.push(event));
    });
  const fakePeer = setup({ types: { input: {} as { key: string }, context: {} as { key: string } } }).createMachine({
    id: 'peer',
    context: ({ input }) => ({ key: input.key }),
    initial: peerState,
    states: { connected: {}, connecting: {} },
    on: { '*': { actions: ({ context, event }) => toPeers.push({ peer: context.key, event }) } },
  });
  const actor = createActor(
    callMachine.provide({
      actors: {
        signaling: recorder(toSignaling) as never,
        media: recorder(toMedia) as never,
        mediaBridge: fromCallback(() => {}) as never,
        peer: fakePeer as never,
      },
    }),
    { input: { server: 'ws://relay/signal', room: 'r', session: 'm-ada', meta: { name: 'Ada' }, ...input } },
  );
  const emitted: CallEmitted[] = [];
  for (const type of ['peer-joined', 'peer-left', 'peer-connected', 'track', 'error'] as const)
    actor.on(type, (event) => emitted.push(event));
  actor.start();
  return { actor, toSignaling, toPeers, toMedia, emitted };
}

const bob: PeerInfo = { id: 'relay-bob-1', meta: { name: 'Bob', session: 'z-bob' } };
const joined = (
  peers: PeerInfo[] = [],
  peer = 'relay-ada',
): Extract<SignalingNotification, { type: 'signaling.joined' }> => ({
  type: 'signaling.joined',
  peer,
  peers,
  iceServers: [{ urls: 'stun:relay' }],
  rejoin: false,
});

describe('callMachine', () => {
  it('joins, spawns a peer per participant in the welcome, and is in-call', () => {
    const { actor, toSignaling, toMedia, emitted } = start({ iceServers: [{ urls: 'stun:mine' }] });
    actor.send({ type: 'call.join' });
    assert.ok(actor.getSnapshot().matches('joining'));
    assert.deepEqual(toSignaling, [{ type: 'signaling.connect' }]);
    assert.deepEqual(toMedia, [{ type: 'media.start' }]);
    actor.send(joined([bob]));
    const snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ room: 'in-call' }));
    assert.deepEqual(Object.keys(snapshot.context.peers), ['z-bob']);
    assert.ok(snapshot.children['peer:z-bob'], 'the peer actor is a child of the call');
    assert.deepEqual(snapshot.context.iceServers, [{ urls: 'stun:relay' }, { urls: 'stun:mine' }]);
    assert.deepEqual(emitted, [{ type: 'peer-joined', peer: { key: 'z-bob', id: 'relay-bob-1', meta: bob.meta } }]);
    actor.stop();
  });

  it('waits alone, then goes in-call and back as peers come and go', () => {
    const { actor, emitted } = start({}, 'connecting');
    actor.send({ type: 'call.join' });
    actor.send(joined());
    assert.ok(actor.getSnapshot().matches({ room: 'waiting' }));
    actor.send({ type: 'signaling.peer-joined', peer: bob });
    assert.ok(actor.getSnapshot().matches({ room: 'in-call' }));
    actor.send({ type: 'signaling.peer-left', peer: bob.id });
    assert.ok(actor.getSnapshot().matches({ room: 'waiting' }), 'a peer not carrying media is removed at once');
    assert.deepEqual(emitted.at(-1), { type: 'peer-left', peer: 'z-bob' });
    actor.stop();
  });

  it('routes signals by relay id in, and by key out', () => {
    const { actor, toSignaling, toPeers } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'signaling.message', from: bob.id, data: { candidate: null } });
    assert.deepEqual(toPeers.at(-1), { peer: 'z-bob', event: { type: 'peer.signal', data: { candidate: null } } });
    actor.send({ type: 'peer.signal.out', key: 'z-bob', data: { description: null } });
    assert.deepEqual(toSignaling.at(-1), { type: 'signaling.send', to: bob.id, data: { description: null } });
    actor.stop();
  });

  it('removes a peer that said goodbye at once, even while its media still flows', () => {
    const { actor } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'signaling.message', from: bob.id, data: { bye: true } });
    actor.send({ type: 'signaling.peer-left', peer: bob.id });
    assert.deepEqual(actor.getSnapshot().context.peers, {});
    actor.stop();
  });

  it('keeps a connected peer whose socket dropped, and re-keys it when it rejoins', () => {
    const { actor, toSignaling, emitted } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    const ref = actor.getSnapshot().context.peers['z-bob']!.ref;
    actor.send({ type: 'signaling.peer-left', peer: bob.id });
    assert.equal(actor.getSnapshot().context.peers['z-bob']?.orphan, true);
    assert.ok(actor.getSnapshot().matches({ room: 'in-call' }));
    actor.send({ type: 'signaling.peer-joined', peer: { ...bob, id: 'relay-bob-2' } });
    const peer = actor.getSnapshot().context.peers['z-bob']!;
    assert.equal(peer.ref, ref, 'the same peer actor, so the same RTCPeerConnection');
    assert.equal(peer.id, 'relay-bob-2');
    assert.equal(peer.orphan, false);
    assert.equal(emitted.filter((e) => e.type === 'peer-joined').length, 1, 'not announced twice');
    actor.send({ type: 'peer.signal.out', key: 'z-bob', data: 1 });
    assert.deepEqual(toSignaling.at(-1), { type: 'signaling.send', to: 'relay-bob-2', data: 1 });
    actor.stop();
  });

  it('removes an orphaned peer as soon as its connection drops too', () => {
    const { actor, emitted } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'peer.disconnected', key: 'z-bob' });
    assert.ok(actor.getSnapshot().context.peers['z-bob'], 'a blip on a peer still in the room changes nothing');
    actor.send({ type: 'signaling.peer-left', peer: bob.id });
    actor.send({ type: 'peer.disconnected', key: 'z-bob' });
    assert.deepEqual(actor.getSnapshot().context.peers, {});
    assert.deepEqual(emitted.at(-1), { type: 'peer-left', peer: 'z-bob' });
    actor.stop();
  });

  it('removes an orphaned peer that does not come back in time', async () => {
    const { actor, emitted } = start({ orphanGrace: 10 });
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'signaling.peer-left', peer: bob.id });
    await waitFor(actor, (s) => s.matches({ room: 'waiting' }));
    assert.deepEqual(emitted.at(-1), { type: 'peer-left', peer: 'z-bob' });
    actor.stop();
  });

  it('keeps its peers while signaling reconnects, and matches them by key in the new welcome', () => {
    const { actor } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    const ref = actor.getSnapshot().context.peers['z-bob']!.ref;
    actor.send({ type: 'signaling.lost', reason: 'socket closed' });
    assert.ok(actor.getSnapshot().matches({ room: 'reconnecting' }));
    actor.send(joined([{ ...bob, id: 'relay-bob-9' }], 'relay-ada-2'));
    const snapshot = actor.getSnapshot();
    assert.ok(snapshot.matches({ room: 'in-call' }));
    assert.equal(snapshot.context.peers['z-bob']!.ref, ref);
    assert.equal(snapshot.context.peers['z-bob']!.id, 'relay-bob-9');
    assert.equal(snapshot.context.self, 'relay-ada-2');
    actor.stop();
  });

  it('passes local track changes to every peer, and media errors to the app', () => {
    const { actor, toPeers, emitted } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'media.track', kind: 'video', track: null });
    assert.deepEqual(toPeers.at(-1), {
      peer: 'z-bob',
      event: { type: 'peer.replace-track', kind: 'video', track: null },
    });
    actor.send({ type: 'media.error', error: { name: 'NotAllowedError', message: 'Camera access was denied.' } });
    assert.deepEqual(emitted.at(-1), {
      type: 'error',
      code: 'media-NotAllowedError',
      message: 'Camera access was denied.',
    });
    actor.stop();
  });

  it('says goodbye to every peer, closes signaling and media, and ends', () => {
    const { actor, toSignaling, toMedia, emitted } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'call.leave' });
    assert.ok(actor.getSnapshot().matches('ended'));
    assert.deepEqual(toSignaling.slice(-2), [
      { type: 'signaling.send', to: bob.id, data: { bye: true } },
      { type: 'signaling.close' },
    ]);
    assert.deepEqual(toMedia.at(-1), { type: 'media.stop' });
    assert.deepEqual(emitted.at(-1), { type: 'peer-left', peer: 'z-bob' });
    assert.deepEqual(actor.getSnapshot().context.peers, {});
    actor.send({ type: 'call.join' });
    assert.ok(actor.getSnapshot().matches('joining'), 'an ended call can join again');
    actor.stop();
  });

  it('fails with the reason when signaling gives up', () => {
    const { actor, emitted } = start({ media: false });
    actor.send({ type: 'call.join' });
    actor.send({ type: 'signaling.failed', code: 'room-full', message: 'Room "r" is full (16 peers).' });
    assert.ok(actor.getSnapshot().matches('failed'));
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'room-full', message: 'Room "r" is full (16 peers).' });
    actor.stop();
  });
});
