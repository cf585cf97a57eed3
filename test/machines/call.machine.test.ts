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
  for (const type of [
    'peer-joined',
    'peer-left',
    'peer-connected',
    'track',
    'error',
    'message',
    'data',
    'transfer',
    'quality',
    'remote-quality',
  ] as const)
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

  it('retries a relay it cannot reach: says why once per reason, retries on demand, gives up with the reason', () => {
    const { actor, emitted, toSignaling } = start({ media: false });
    actor.send({ type: 'call.join' });
    assert.ok(actor.getSnapshot().matches({ joining: 'connecting' }));
    const unreachable = {
      code: 'relay-unreachable',
      summary: "Can't reach the relay at ws://relay/signal",
      message: "Can't reach the relay at ws://relay/signal: nothing answered. Check the server address.",
    };
    const retrying = (attempt: number, code = unreachable.code) =>
      ({
        type: 'signaling.retrying',
        ...unreachable,
        code,
        attempt,
        attempts: 3,
        delay: 1000,
        retryAt: 1_000_000 + attempt,
      }) as const;
    actor.send(retrying(1));
    assert.ok(actor.getSnapshot().matches({ joining: 'retrying' }));
    assert.deepEqual(actor.getSnapshot().context.relay, {
      code: 'relay-unreachable',
      summary: unreachable.summary,
      message: unreachable.message,
      attempt: 1,
      attempts: 3,
      retryAt: 1_000_001,
    });
    actor.send(retrying(2));
    assert.deepEqual(
      emitted.filter((e) => e.type === 'error'),
      [{ type: 'error', code: 'relay-unreachable', message: unreachable.message }],
      'one error for the same reason, however many attempts',
    );
    assert.equal(actor.getSnapshot().context.relay?.attempt, 2);
    actor.send(retrying(3, 'relay-unauthorized'));
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'relay-unauthorized', message: unreachable.message });
    actor.send({ type: 'call.retry' });
    assert.deepEqual(toSignaling.at(-1), { type: 'signaling.retry' });
    actor.send({ type: 'signaling.failed', code: 'relay-unauthorized', summary: 'S', message: 'M' });
    assert.ok(actor.getSnapshot().matches('failed'));
    assert.deepEqual(actor.getSnapshot().context.relay, {
      code: 'relay-unauthorized',
      summary: 'S',
      message: 'M',
      attempt: 3,
      attempts: 3,
    });
    actor.send({ type: 'call.join' });
    assert.equal(actor.getSnapshot().context.relay, undefined, 'a new attempt starts clean');
    actor.send(retrying(1));
    actor.send(joined());
    assert.ok(actor.getSnapshot().matches({ room: 'waiting' }));
    assert.equal(actor.getSnapshot().context.relay, undefined, 'joined: nothing to report');
    actor.stop();
  });

  it('once in the room, reports only what the probe found while reconnecting, not every dropped socket', () => {
    const { actor, emitted, toSignaling } = start({ media: false });
    actor.send({ type: 'call.join' });
    actor.send(joined());
    actor.send({ type: 'signaling.lost', reason: 'closed' });
    assert.ok(actor.getSnapshot().matches({ room: 'reconnecting' }));
    const base = { message: 'm', attempt: 1, attempts: Infinity, delay: 0, retryAt: 5 } as const;
    actor.send({ type: 'signaling.retrying', code: 'socket-closed', ...base });
    assert.equal(actor.getSnapshot().context.relay, undefined);
    assert.equal(
      emitted.some((e) => e.type === 'error'),
      false,
    );
    actor.send({ type: 'signaling.retrying', code: 'relay-unavailable', summary: 'busy', ...base, attempt: 2 });
    assert.equal(actor.getSnapshot().context.relay?.code, 'relay-unavailable');
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'relay-unavailable', message: 'm' });
    actor.send({ type: 'call.retry' });
    assert.deepEqual(toSignaling.at(-1), { type: 'signaling.retry' });
    actor.send(joined([], 'relay-ada-2'));
    assert.equal(actor.getSnapshot().context.relay, undefined);
    actor.send({ type: 'signaling.failed', code: 'socket-closed', message: 'gone' });
    assert.equal(actor.getSnapshot().context.relay, undefined, 'not a relay problem the probe found');
    actor.stop();
  });

  it('passes the user’s media and quality commands to media and to every peer, and tells the others', () => {
    const { actor, toSignaling, toPeers, toMedia } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'call.mute', muted: true });
    actor.send({ type: 'call.camera', on: false });
    actor.send({ type: 'call.screen', on: true });
    actor.send({ type: 'call.device', kind: 'videoinput', deviceId: 'cam-2' });
    assert.deepEqual(toMedia.slice(-4), [
      { type: 'media.mute', muted: true },
      { type: 'media.camera', on: false },
      { type: 'media.screen.start' },
      { type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' },
    ]);
    assert.deepEqual(toSignaling.at(-1), {
      type: 'signaling.send',
      to: bob.id,
      data: { state: { muted: true, camera: false } },
    });
    actor.send({ type: 'call.quality', mode: 'low' });
    actor.send({ type: 'call.video', constraints: { maxBitrate: 300_000, width: 320 } });
    assert.deepEqual(
      toPeers.slice(-2).map(({ event }) => event),
      [
        { type: 'peer.quality', mode: 'low' },
        { type: 'peer.caps', caps: { maxBitrate: 300_000 }, degradationPreference: undefined },
      ],
    );
    assert.deepEqual(toMedia.at(-1), { type: 'media.video.constraints', constraints: { width: 320 } });
    assert.equal(actor.getSnapshot().context.quality.mode, 'low', 'peers that join later start at it');
    actor.stop();
  });

  it('sends chat, data and files to the peers, and records what comes back', () => {
    const { actor, toPeers, emitted, toSignaling } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    actor.send({ type: 'call.chat', text: '  hi  ' });
    actor.send({ type: 'call.send', channel: 'data', data: 'j{"x":1}', to: 'z-bob' });
    const file = new Blob(['abc']);
    actor.send({ type: 'call.file.send', id: 'f1', file, name: 'a.txt' });
    const sent = toPeers.slice(-3).map(({ event }) => event);
    assert.equal(sent[0]?.type, 'peer.send');
    assert.equal((sent[0] as unknown as { channel: string }).channel, 'chat');
    assert.deepEqual(sent[1], { type: 'peer.send', channel: 'data', data: 'j{"x":1}' });
    assert.deepEqual(sent[2], { type: 'peer.file.send', id: 'f1', file, name: 'a.txt' });
    assert.equal(actor.getSnapshot().context.messages[0]?.text, 'hi');

    actor.send({ type: 'peer.message', key: 'z-bob', channel: 'chat', data: 'j{"text":"yo","time":5}' });
    actor.send({ type: 'peer.message', key: 'z-bob', channel: 'data', data: 'j[1,2]' });
    actor.send({ type: 'peer.message', key: 'z-bob', channel: 'data', data: 'garbage' });
    assert.deepEqual(actor.getSnapshot().context.messages[1], { peer: 'z-bob', name: 'Bob', text: 'yo', time: 5 });
    assert.deepEqual(
      emitted.filter((e) => e.type === 'data'),
      [{ type: 'data', peer: 'z-bob', channel: 'data', data: [1, 2] }],
    );

    const report = (event: object) => actor.send({ type: 'peer.file', key: 'z-bob', event } as never);
    report({ type: 'files.started', id: 'f1', direction: 'send', name: 'a.txt', mime: '', size: 3 });
    report({ type: 'files.progress', id: 'f1', bytes: 3 });
    report({ type: 'files.done', id: 'f1', sha256: 'x', maxBuffered: 3 });
    report({ type: 'files.progress', id: 'unknown', bytes: 3 });
    assert.deepEqual(actor.getSnapshot().context.transfers['z-bob/f1'], {
      ...actor.getSnapshot().context.transfers['z-bob/f1'],
      state: 'done',
      bytes: 3,
      maxBuffered: 3,
    });
    report({ type: 'files.started', id: 'f2', direction: 'send', name: 'b', mime: '', size: 9 });
    actor.send({ type: 'call.file.cancel', id: 'f2' });
    assert.deepEqual(toPeers.at(-1)?.event, { type: 'peer.file.cancel', id: 'f2' });
    report({ type: 'files.failed', id: 'f2', reason: 'cancelled', message: 'cancelled', by: 'local' });
    assert.equal(actor.getSnapshot().context.transfers['z-bob/f2']?.state, 'failed');
    assert.equal(
      emitted.some((e) => e.type === 'error'),
      false,
      'cancelling here is no error',
    );
    // Any other failure is an error too, once, with a code per reason.
    report({ type: 'files.started', id: 'f3', direction: 'receive', name: 'c.bin', mime: '', size: 9 });
    const message = 'c.bin arrived damaged (its SHA-256 does not match) and was discarded.';
    report({ type: 'files.failed', id: 'f3', reason: 'integrity', message, by: 'local' });
    report({ type: 'files.failed', id: 'f3', reason: 'closed', message: 'again', by: 'remote' });
    assert.deepEqual(
      emitted.filter((e) => e.type === 'error'),
      [{ type: 'error', code: 'file-integrity', message }],
    );
    assert.deepEqual(actor.getSnapshot().context.error, { code: 'file-integrity', message });
    report({ type: 'files.started', id: 'f4', direction: 'send', name: 'd', mime: '', size: 9 });
    report({ type: 'files.failed', id: 'f4', reason: 'cancelled', message: 'Bob cancelled d.', by: 'remote' });
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'file-cancelled', message: 'Bob cancelled d.' });

    actor.send({ type: 'peer.dropped', key: 'z-bob', channel: 'data', reason: 'queue full' });
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'message-dropped', message: 'queue full' });
    actor.send({ type: 'peer.quality', key: 'z-bob', level: 'medium', reason: 'bandwidth', mode: 'auto' });
    assert.deepEqual(toSignaling.at(-1), {
      type: 'signaling.send',
      to: bob.id,
      data: { quality: { level: 'medium', reason: 'bandwidth', mode: 'auto' } },
    });
    actor.stop();
  });

  it('reports a TURN refusal once per server, and the peers’ news', () => {
    const { actor, emitted } = start();
    actor.send({ type: 'call.join' });
    actor.send(joined([bob]));
    const refusal = {
      type: 'peer.ice-error',
      key: 'z-bob',
      code: 401,
      text: 'Unauthorized',
      url: 'turn:t:3478',
    } as const;
    actor.send(refusal);
    actor.send(refusal);
    assert.equal(emitted.filter((e) => e.type === 'error' && e.code === 'turn-unauthorized').length, 1);
    actor.send({ type: 'peer.connected', key: 'z-bob' });
    assert.deepEqual(emitted.at(-1), { type: 'peer-connected', peer: 'z-bob' });
    const track = {} as MediaStreamTrack;
    const stream = {} as MediaStream;
    actor.send({ type: 'peer.track', key: 'z-bob', track, stream });
    assert.deepEqual(emitted.at(-1), { type: 'track', peer: 'z-bob', track, stream });
    actor.send({ type: 'signaling.error', code: 'rate-limited', message: 'slow down' });
    assert.deepEqual(emitted.at(-1), { type: 'error', code: 'rate-limited', message: 'slow down' });
    actor.send({ type: 'peer.failed', key: 'z-bob', error: 'no route' });
    assert.deepEqual(Object.keys(actor.getSnapshot().context.peers), []);
    assert.ok(emitted.some((e) => e.type === 'error' && e.code === 'peer-failed'));
    actor.stop();
  });

  it('can leave while joining, fail in the room, and join again after failing', () => {
    const { actor } = start({ media: false });
    actor.send({ type: 'call.join' });
    actor.send({ type: 'call.leave' });
    assert.ok(actor.getSnapshot().matches('ended'));
    actor.send({ type: 'call.join' });
    actor.send(joined());
    actor.send({ type: 'signaling.failed', code: 'bad-token', message: 'no' });
    assert.ok(actor.getSnapshot().matches('failed'));
    actor.send({ type: 'call.join' });
    assert.ok(actor.getSnapshot().matches('joining'));
    actor.stop();
  });
});
