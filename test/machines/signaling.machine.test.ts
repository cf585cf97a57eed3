import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, createMachine, fromCallback, fromPromise, waitFor, type AnyEventObject } from 'xstate';
import type { RelayProblem } from '../../src/machines/relay.probe.js';
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

/** What the fake probe answers: a problem, or a promise that never settles (a relay that never answers). */
const UNAUTHORIZED: RelayProblem = {
  code: 'relay-unauthorized',
  summary: 'The relay at ws://relay/signal needs a valid token',
  message: 'The relay at ws://relay/signal needs a valid token (401: no token). Give a token.',
};

/** A probe the test drives: records the URLs it was asked about, answers with `answer()`. */
function fakeProbe(answer: () => RelayProblem | Promise<RelayProblem> = () => UNAUTHORIZED) {
  const asked: string[] = [];
  const logic = fromPromise<RelayProblem, { url: string }>(async ({ input }) => {
    asked.push(input.url);
    return answer();
  });
  return { logic, asked };
}

function start(input: Partial<SignalingInput> = {}, probe = fakeProbe()) {
  const fake = fakeSockets();
  const actor = createActor(signalingMachine.provide({ actors: { socket: fake.logic, probe: probe.logic } }), {
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
    'signaling.retrying',
    'signaling.failed',
  ] as const)
    actor.on(type, (note) => notes.push(note));
  actor.start();
  return { actor, fake, notes, probe };
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
    assert.deepEqual(
      notes.slice(-2).map((n) => n.type),
      ['signaling.lost', 'signaling.retrying'],
    );
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

  it('fails once retries run out, joinRetries before the first welcome, with what the probe found', async () => {
    const { actor, fake, notes, probe } = start({ reconnect: { joinRetries: 2, baseDelay: 1, maxDelay: 2 } });
    actor.send({ type: 'signaling.connect' });
    for (let i = 0; i < 3; i++) {
      await waitFor(actor, (s) => s.matches('connecting'));
      fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    }
    await waitFor(actor, (s) => s.matches('failed'));
    assert.equal(fake.sockets.length, 3, 'the first try and two retries');
    assert.equal(probe.asked.length, 3, 'each failed socket was probed');
    assert.deepEqual(notes.at(-1), { type: 'signaling.failed', ...UNAUTHORIZED });
    assert.deepEqual(
      notes.filter((n) => n.type === 'signaling.retrying').map((n) => n.type === 'signaling.retrying' && n.attempt),
      [1, 2],
      'told before each retry, not before giving up',
    );
    actor.send({ type: 'signaling.connect' });
    assert.ok(actor.getSnapshot().matches('connecting'), 'a failed signaling can be retried by hand');
    assert.equal(actor.getSnapshot().context.attempt, 0);
    actor.stop();
  });

  it('once joined, gives up after maxRetries (not joinRetries)', async () => {
    const { actor, fake, notes } = await joinedActor({
      reconnect: { joinRetries: 0, maxRetries: 1, baseDelay: 1, maxDelay: 1 },
    });
    fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    assert.equal(notes.at(-1)?.type, 'signaling.retrying', 'a dropped relay is retried');
    assert.ok(actor.getSnapshot().matches('reconnecting'));
    await waitFor(actor, (s) => s.matches('connecting'));
    fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    await waitFor(actor, (s) => s.matches('failed'));
    assert.deepEqual(notes.at(-1), { type: 'signaling.failed', ...UNAUTHORIZED });
    actor.stop();
  });

  it('probes a relay whose socket would not open, and reports why before waiting to retry', async () => {
    const { actor, fake, notes, probe } = start({ reconnect: { baseDelay: 10_000, maxDelay: 10_000 } });
    actor.send({ type: 'signaling.connect' });
    fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    assert.ok(actor.getSnapshot().matches('probing'));
    assert.ok(fake.last.closed, 'the failed socket is let go');
    await waitFor(actor, (s) => s.matches('connecting'));
    assert.deepEqual(probe.asked, ['ws://relay/signal']);
    const before = Date.now();
    const retrying = notes.filter((n) => n.type === 'signaling.retrying');
    assert.deepEqual(retrying, [
      { type: 'signaling.retrying', ...UNAUTHORIZED, attempt: 1, attempts: 8, delay: 0, retryAt: retrying[0]!.retryAt },
    ]);
    assert.ok(Math.abs(retrying[0]!.retryAt - before) < 1000);
    // The second attempt fails too: it waits out the backoff, and says when it will try again.
    fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    await waitFor(actor, (s) => s.matches('reconnecting'));
    const second = notes.at(-1) as Extract<SignalingNotification, { type: 'signaling.retrying' }>;
    assert.equal(second.attempt, 2);
    assert.ok(second.delay >= 5000 && second.delay <= 10_000, `${second.delay}`);
    assert.ok(second.retryAt >= Date.now() + 4000);
    // Retry now: no waiting.
    actor.send({ type: 'signaling.retry' });
    assert.ok(actor.getSnapshot().matches('connecting'));
    assert.equal(fake.sockets.length, 3);
    actor.stop();
  });

  it('counts a probe that does not answer in time, or fails, as an unreachable relay', async () => {
    const never = start(
      { probeTimeout: 20, reconnect: { baseDelay: 10_000, maxDelay: 10_000 } },
      fakeProbe(() => new Promise<RelayProblem>(() => {})),
    );
    never.actor.send({ type: 'signaling.connect' });
    never.fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    await waitFor(never.actor, (s) => s.matches('connecting'));
    assert.deepEqual(never.actor.getSnapshot().context.error, {
      code: 'relay-unreachable',
      summary: "Can't reach the relay at ws://relay/signal",
      message:
        "Can't reach the relay at ws://relay/signal: no answer within 0 s. Check the server address and that the relay is running.",
    });
    never.actor.stop();

    const broken = start(
      {},
      fakeProbe(() => Promise.reject(new Error('boom'))),
    );
    broken.actor.send({ type: 'signaling.connect' });
    broken.fake.last.emit({ type: 'socket.closed', code: 1006, reason: '' });
    await waitFor(broken.actor, (s) => s.matches('connecting'));
    assert.equal(broken.actor.getSnapshot().context.error?.code, 'relay-unreachable');
    broken.actor.stop();
  });

  it('probes after a socket that neither opens nor fails within connectTimeout', async () => {
    const { actor, probe } = start({ connectTimeout: 10 });
    actor.send({ type: 'signaling.connect' });
    await waitFor(actor, (s) => s.matches('probing'));
    await waitFor(actor, (s) => s.matches('connecting'));
    assert.equal(probe.asked.length, 1);
    assert.equal(actor.getSnapshot().context.error?.code, 'relay-unauthorized');
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
    assert.deepEqual(notes.at(-2), { type: 'signaling.lost', reason: 'Cannot join "r" now.' });
    // What the call shows while it waits: retrying, and why.
    assert.deepEqual(
      { type: notes.at(-1)?.type, code: (notes.at(-1) as { code?: string } | undefined)?.code },
      { type: 'signaling.retrying', code: 'unavailable' },
    );
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
    const silent = fromPromise<RelayProblem, { url: string }>(() => new Promise(() => {}));
    const machine = signalingMachine.provide({ actors: { socket: inert, probe: silent } });
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
      { type: 'xstate.done.actor.0.signaling.probing', output: UNAUTHORIZED },
    ];
    const input = { url: 'ws://relay/signal', room: 'r' };
    // Retrying forever reaches `reconnecting` as a resting state; no retries exercises the give-up path.
    const coverage = mergeCoverage(
      coverModel({ machine, input, events }),
      coverModel({ machine, input: { ...input, reconnect: { maxRetries: 0, joinRetries: 0 } }, events }),
    );
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});
