import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, createMachine, fromCallback, waitFor, type AnyEventObject } from 'xstate';
import {
  backoffDelay,
  signalingMachine,
  type SignalingInput,
  type SignalingNotification,
  type SocketCommand,
  type SocketEvent,
} from '../../src/machines/signaling.machine.js';
import type { ClientMessage, ServerMessage } from '../../src/signaling/protocol.js';
import { coverModel, formatCoverage, mergeCoverage } from './model.js';

/** A socket the test drives: it records what the machine sends and lets the test play the relay. */
interface FakeSocket {
  url: string;
  sent: ClientMessage[];
  closed: boolean;
  emit(event: SocketEvent): void;
  receive(message: ServerMessage): void;
}

function fakeSockets() {
  const sockets: FakeSocket[] = [];
  const logic = fromCallback<SocketCommand, { url: string }, SocketEvent>(({ input, sendBack, receive }) => {
    const socket: FakeSocket = {
      url: input.url,
      sent: [],
      closed: false,
      emit: sendBack,
      receive: (message) => sendBack({ type: 'socket.message', message }),
    };
    sockets.push(socket);
    receive((command) => socket.sent.push(command.message));
    return () => {
      socket.closed = true;
    };
  });
  return {
    logic,
    sockets,
    get last(): FakeSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}

const welcome = (peer: string, peers: ServerMessage[] = []): ServerMessage => ({
  type: 'welcome',
  peer,
  room: 'r',
  peers: peers.length ? [{ id: 'bob', meta: { name: 'Bob' } }] : [],
  iceServers: [{ urls: 'stun:example.org' }],
});

function start(input: Partial<SignalingInput> = {}) {
  const fake = fakeSockets();
  const actor = createActor(signalingMachine.provide({ actors: { socket: fake.logic } }), {
    input: { url: 'ws://relay/signal', room: 'r', meta: { name: 'Ada' }, ...input },
  });
  const notes: SignalingNotification[] = [];
  for (const type of [
    'signaling.joined',
    'signaling.peer-joined',
    'signaling.peer-left',
    'signaling.message',
    'signaling.error',
    'signaling.lost',
    'signaling.failed',
  ] as const)
    actor.on(type, (note) => notes.push(note));
  actor.start();
  return { actor, fake, notes };
}

async function joinedActor(input: Partial<SignalingInput> = {}) {
  const t = start(input);
  t.actor.send({ type: 'signaling.connect' });
  t.fake.last.emit({ type: 'socket.open' });
  t.fake.last.receive(welcome('ada', [{ type: 'pong' }]));
  await waitFor(t.actor, (s) => s.matches('joined'));
  return t;
}

describe('signalingMachine', () => {
  it('connects, joins with its meta, and reports the welcome', async () => {
    const { actor, fake, notes } = start();
    assert.ok(actor.getSnapshot().matches('disconnected'));
    actor.send({ type: 'signaling.connect' });
    assert.ok(actor.getSnapshot().matches('connecting'));
    assert.equal(fake.last.url, 'ws://relay/signal');
    fake.last.emit({ type: 'socket.open' });
    assert.ok(actor.getSnapshot().matches('joining'));
    assert.deepEqual(fake.last.sent, [{ type: 'join', room: 'r', meta: { name: 'Ada' } }]);
    fake.last.receive(welcome('ada', [{ type: 'pong' }]));
    assert.ok(actor.getSnapshot().matches({ joined: 'idle' }));
    assert.deepEqual(notes, [
      {
        type: 'signaling.joined',
        peer: 'ada',
        peers: [{ id: 'bob', meta: { name: 'Bob' } }],
        iceServers: [{ urls: 'stun:example.org' }],
        rejoin: false,
      },
    ]);
    assert.equal(actor.getSnapshot().context.peer, 'ada');
    actor.stop();
  });

  it('sends signals while joined, and passes on what the relay says', async () => {
    const { actor, fake, notes } = await joinedActor();
    notes.length = 0;
    actor.send({ type: 'signaling.send', to: 'bob', data: { sdp: 'x' } });
    assert.deepEqual(fake.last.sent.at(-1), { type: 'signal', to: 'bob', data: { sdp: 'x' } });
    fake.last.receive({ type: 'peer-joined', peer: { id: 'cy', meta: {} } });
    fake.last.receive({ type: 'signal', from: 'bob', data: 1 });
    fake.last.receive({ type: 'peer-left', peer: 'cy' });
    fake.last.receive({ type: 'error', code: 'unknown-peer', message: 'no' });
    assert.deepEqual(notes, [
      { type: 'signaling.peer-joined', peer: { id: 'cy', meta: {} } },
      { type: 'signaling.message', from: 'bob', data: 1 },
      { type: 'signaling.peer-left', peer: 'cy' },
      { type: 'signaling.error', code: 'unknown-peer', message: 'no' },
    ]);
    actor.stop();
  });

  it('sends its notifications to a parent actor', async () => {
    const received: AnyEventObject[] = [];
    const parent = createActor(createMachine({ on: { '*': { actions: ({ event }) => received.push(event) } } }));
    parent.start();
    const { actor } = await joinedActor({ parent });
    assert.equal(received[0]?.type, 'signaling.joined');
    actor.stop();
  });

  it('queues signals until joined, then flushes them in order', async () => {
    const { actor, fake } = start();
    actor.send({ type: 'signaling.send', to: 'bob', data: 1 });
    actor.send({ type: 'signaling.connect' });
    actor.send({ type: 'signaling.send', to: 'bob', data: 2 });
    fake.last.emit({ type: 'socket.open' });
    actor.send({ type: 'signaling.send', to: 'bob', data: 3 });
    fake.last.receive(welcome('ada'));
    assert.deepEqual(fake.last.sent, [
      { type: 'join', room: 'r', meta: { name: 'Ada' } },
      { type: 'signal', to: 'bob', data: 1 },
      { type: 'signal', to: 'bob', data: 2 },
      { type: 'signal', to: 'bob', data: 3 },
    ]);
    assert.deepEqual(actor.getSnapshot().context.queue, []);
    actor.stop();
  });

  it('reconnects at once when the socket drops, keeps signals sent meanwhile, and rejoins', async () => {
    const { actor, fake, notes } = await joinedActor();
    const first = fake.last;
    first.emit({ type: 'socket.closed', code: 1006, reason: '' });
    assert.ok(first.closed, 'the old socket is stopped');
    assert.equal(notes.at(-1)?.type, 'signaling.lost');
    actor.send({ type: 'signaling.send', to: 'bob', data: 'during outage' });
    // The first retry is immediate: a zero delay, so the next macrotask already sees it connecting.
    await waitFor(actor, (s) => s.matches('connecting'), { timeout: 1000 });
    assert.notEqual(fake.last, first);
    fake.last.emit({ type: 'socket.open' });
    fake.last.receive(welcome('ada2'));
    assert.ok(actor.getSnapshot().matches('joined'));
    assert.deepEqual(notes.at(-1), {
      type: 'signaling.joined',
      peer: 'ada2',
      peers: [],
      iceServers: [{ urls: 'stun:example.org' }],
      rejoin: true,
    });
    assert.deepEqual(fake.last.sent.at(-1), { type: 'signal', to: 'bob', data: 'during outage' });
    assert.equal(actor.getSnapshot().context.attempt, 0, 'a successful join resets the backoff');
    actor.stop();
  });

  it('rejoins with the resume token of the latest welcome, and forgets it once closed', async () => {
    const { actor, fake } = start();
    actor.send({ type: 'signaling.connect' });
    fake.last.emit({ type: 'socket.open' });
    fake.last.receive({ ...welcome('ada'), resume: 'resume-token-one-abc' } as ServerMessage);
    fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    await waitFor(actor, (s) => s.matches('connecting'), { timeout: 1000 });
    fake.last.emit({ type: 'socket.open' });
    assert.deepEqual(fake.last.sent, [
      { type: 'join', room: 'r', meta: { name: 'Ada' }, resume: 'resume-token-one-abc' },
    ]);
    // The relay resumed us: same id, and a fresh token for the next time.
    fake.last.receive({ ...welcome('ada'), resume: 'resume-token-two-abc' } as ServerMessage);
    assert.equal(actor.getSnapshot().context.peer, 'ada');
    assert.equal(actor.getSnapshot().context.resume, 'resume-token-two-abc');
    actor.send({ type: 'signaling.close' });
    assert.equal(actor.getSnapshot().context.resume, undefined);
    actor.send({ type: 'signaling.connect' });
    fake.last.emit({ type: 'socket.open' });
    assert.deepEqual(fake.last.sent, [{ type: 'join', room: 'r', meta: { name: 'Ada' } }], 'a new session');
    actor.stop();
  });

  it('treats a missing pong as a dead socket', async () => {
    const { actor, fake } = await joinedActor({ pingInterval: 10, pongTimeout: 10 });
    await waitFor(actor, (s) => s.matches({ joined: 'awaitingPong' }));
    assert.deepEqual(fake.last.sent.at(-1), { type: 'ping' });
    fake.last.receive({ type: 'pong' });
    assert.ok(actor.getSnapshot().matches({ joined: 'idle' }));
    await waitFor(actor, (s) => s.matches({ joined: 'awaitingPong' }));
    await waitFor(actor, (s) => s.matches('reconnecting') || s.matches('connecting'));
    assert.equal(actor.getSnapshot().context.error?.code, 'pong-timeout');
    actor.stop();
  });

  it('fails once retries run out', async () => {
    const { actor, fake, notes } = start({ reconnect: { maxRetries: 2, baseDelay: 1, maxDelay: 2 } });
    actor.send({ type: 'signaling.connect' });
    for (let i = 0; i < 3; i++) {
      await waitFor(actor, (s) => s.matches('connecting'));
      fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    }
    assert.ok(actor.getSnapshot().matches('failed'));
    assert.equal(fake.sockets.length, 3, 'the first try and two retries');
    assert.deepEqual(notes.at(-1), {
      type: 'signaling.failed',
      code: 'socket-closed',
      message: 'The relay closed the socket (1006).',
    });
    actor.send({ type: 'signaling.connect' });
    assert.ok(actor.getSnapshot().matches('connecting'), 'a failed signaling can be retried by hand');
    actor.stop();
  });

  it('fails without retrying when the relay refuses the join', () => {
    const { actor, fake, notes } = start();
    actor.send({ type: 'signaling.connect' });
    fake.last.emit({ type: 'socket.open' });
    fake.last.receive({ type: 'error', code: 'room-full', message: 'Room "r" is full (16 peers).' });
    assert.ok(actor.getSnapshot().matches('failed'));
    assert.deepEqual(notes.at(-1), {
      type: 'signaling.failed',
      code: 'room-full',
      message: 'Room "r" is full (16 peers).',
    });
    assert.ok(fake.last.closed);
    actor.stop();
  });

  it('retries a join the relay answers unavailable (its backplane is down), on a new socket, and joins', async () => {
    const { actor, fake, notes } = start({ reconnect: { baseDelay: 1, maxDelay: 2 } });
    actor.send({ type: 'signaling.connect' });
    fake.last.emit({ type: 'socket.open' });
    const first = fake.last;
    first.receive({ type: 'error', code: 'unavailable', message: 'Cannot join "r" now.' });
    assert.ok(first.closed, 'the socket is given up');
    assert.deepEqual(notes.at(-1), { type: 'signaling.lost', reason: 'Cannot join "r" now.' });
    await waitFor(actor, (s) => s.matches('connecting'));
    assert.notEqual(fake.last, first, 'a new socket');
    fake.last.emit({ type: 'socket.open' });
    assert.deepEqual(fake.last.sent, [{ type: 'join', room: 'r', meta: { name: 'Ada' } }]);
    fake.last.receive(welcome('ada'));
    assert.ok(actor.getSnapshot().matches('joined'));
    assert.equal(notes.at(-1)?.type, 'signaling.joined');
    assert.equal(actor.getSnapshot().context.attempt, 0);
    actor.stop();
  });

  it('says leave and closes the socket on signaling.close', async () => {
    const { actor, fake } = await joinedActor();
    actor.send({ type: 'signaling.close' });
    assert.ok(actor.getSnapshot().matches('closed'));
    assert.deepEqual(fake.last.sent.at(-1), { type: 'leave' });
    assert.ok(fake.last.closed);
    actor.stop();
  });

  it('backs off exponentially with jitter, first retry immediate, capped', () => {
    const options = { baseDelay: 250, maxDelay: 5000 };
    assert.equal(backoffDelay(1, options), 0);
    assert.equal(
      backoffDelay(2, options, () => 1),
      250,
    );
    assert.equal(
      backoffDelay(3, options, () => 1),
      500,
    );
    assert.equal(
      backoffDelay(3, options, () => 0),
      250,
    );
    assert.equal(
      backoffDelay(30, options, () => 1),
      5000,
    );
    for (let attempt = 2; attempt < 20; attempt++) {
      const delay = backoffDelay(attempt, options);
      assert.ok(delay > 0 && delay <= 5000, `attempt ${attempt}: ${delay}`);
    }
  });

  it('covers every state and transition (model-based)', () => {
    const inert = fromCallback<SocketCommand, { url: string }, SocketEvent>(() => () => {});
    const machine = signalingMachine.provide({ actors: { socket: inert } });
    const events = [
      { type: 'socket.message', message: welcome('ada') },
      { type: 'socket.message', message: { type: 'pong' } },
      { type: 'socket.message', message: { type: 'peer-joined', peer: { id: 'bob', meta: {} } } },
      { type: 'socket.message', message: { type: 'peer-left', peer: 'bob' } },
      { type: 'socket.message', message: { type: 'signal', from: 'bob', data: 1 } },
      { type: 'socket.message', message: { type: 'error', code: 'room-full', message: 'full' } },
      { type: 'socket.message', message: { type: 'error', code: 'unavailable', message: 'backplane down' } },
      { type: 'socket.closed', code: 1006, reason: '' },
      { type: 'signaling.send', to: 'bob', data: 1 },
    ];
    const input = { url: 'ws://relay/signal', room: 'r' };
    // Retrying forever reaches `reconnecting` as a resting state; no retries exercises the give-up path.
    const coverage = mergeCoverage(
      coverModel({ machine, input, events }),
      coverModel({ machine, input: { ...input, reconnect: { maxRetries: 0 } }, events }),
    );
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});
