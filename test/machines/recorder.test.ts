import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, createActor, createMachine, fromCallback, setup, spawnChild, stopChild } from 'xstate';
import type {
  PeerConnectionCommand,
  PeerConnectionEvent,
  PeerConnectionInput,
} from '../../src/machines/peer.connection.js';
import { peerMachine } from '../../src/machines/peer.machine.js';
import { composeInspectors, FlightRecorder, RECORDER_LIMITS } from '../../src/recorder/recorder.js';
import { parseTrace, TraceFormatError, type TraceEvent } from '../../src/recorder/trace.js';

const OFFER_SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:secretsecretsecretsecret',
  'a=mid:0',
  'a=sendrecv',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:63 red/48000/2',
  'a=candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98',
  'a=mid:1',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 rtx/90000',
  'a=rtpmap:98 H264/90000',
  '',
].join('\r\n');

/** A clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A peer actor on a fake connection, recorded. */
function recordedPeer() {
  let report: (event: PeerConnectionEvent) => void = () => {};
  const connection = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(({ sendBack }) => {
    report = sendBack;
  });
  const recorder = new FlightRecorder();
  const actor = createActor(peerMachine.provide({ actors: { connection } }), {
    input: { key: 'bob', polite: true, initiator: true },
    inspect: recorder.inspect,
  });
  actor.start();
  return { recorder, actor, report: (event: PeerConnectionEvent) => report(event) };
}

describe('FlightRecorder', () => {
  it('records each event with its source, target, the state before and after, and the transitions taken', () => {
    const { recorder, actor, report } = recordedPeer();
    report({ type: 'pc.signaling', state: 'stable', remote: true });
    report({ type: 'pc.connection', state: 'connected' });
    assert.ok(actor.getSnapshot().matches('connected'));

    const trace = recorder.toTrace();
    const peer = trace.actors.find((a) => a.path === 'peer')!;
    const connection = trace.actors.find((a) => a.path === 'peer/connection')!;
    const ice = trace.actors.find((a) => a.path === 'peer/ice')!;
    assert.equal(peer.machine, 'peer');
    assert.equal(connection.machine, undefined, 'a callback actor runs no machine');
    assert.equal(connection.parent, peer.id);
    assert.equal(ice.machine, 'ice');
    assert.ok(trace.machines.peer && trace.machines.ice, 'the definitions of the machines that ran');
    assert.deepEqual(
      trace.machines.peer!.root.children.map((s) => s.key),
      ['negotiating', 'connecting', 'connected', 'disconnected', 'restarting', 'failed', 'closed'],
    );

    const toPeer = trace.events.filter((e) => e.target === peer.id);
    assert.equal(toPeer[0]!.type, 'xstate.init');
    assert.equal(toPeer[0]!.after, 'negotiating');
    const signaling = toPeer.find((e) => e.type === 'pc.signaling')!;
    assert.equal(signaling.source, connection.id);
    assert.equal(signaling.before, 'negotiating');
    assert.equal(signaling.after, 'connecting');
    assert.deepEqual(signaling.transitions, ['peer.negotiating|pc.signaling|peer.connecting']);
    assert.deepEqual(signaling.data, { state: 'stable', remote: true });
    const connected = toPeer.find((e) => e.type === 'pc.connection')!;
    assert.deepEqual([connected.before, connected.after], ['connecting', 'connected']);
    assert.ok(trace.events.every((e, i) => i === 0 || e.seq > trace.events[i - 1]!.seq));
    actor.stop();
    assert.ok(recorder.toTrace().actors.find((a) => a.id === peer.id)!.died! >= peer.born);
  });

  it('stays within 10 000 events over a long run, dropping the oldest, and says how many it dropped', () => {
    const time = clock();
    const recorder = new FlightRecorder({ now: time.now });
    const machine = setup({ types: { context: {} as { n: number } } }).createMachine({
      context: { n: 0 },
      on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    const actor = createActor(machine, { inspect: recorder.inspect }).start();
    for (let i = 0; i < 50_000; i++) {
      actor.send({ type: 'tick', i });
      time.advance(1);
    }
    assert.equal(recorder.size, RECORDER_LIMITS.maxEvents);
    const trace = recorder.toTrace();
    assert.equal(trace.events.length, 10_000);
    assert.equal(trace.dropped, 50_001 - 10_000, 'the start and 40 000 ticks were dropped');
    assert.deepEqual(trace.events.at(-1)!.data, { i: 49_999 });
    assert.deepEqual(trace.events[0]!.data, { i: 40_000 });
    assert.ok(JSON.stringify(trace).length < 3_000_000);
  });

  it('drops events older than 5 minutes, and forgets stopped actors with them', () => {
    const time = clock();
    const recorder = new FlightRecorder({ now: time.now });
    const child = createMachine({ initial: 'on', states: { on: {} } });
    // Each `spawn` stops the previous child and starts a new one, as peers come and go.
    const parent = setup({ actors: { child } }).createMachine({
      on: { spawn: { actions: [stopChild('kid'), spawnChild('child', { id: 'kid' })] } },
    });
    const actor = createActor(parent, { inspect: recorder.inspect }).start();
    for (let i = 0; i < 2_000; i++) {
      actor.send({ type: 'spawn' });
      time.advance(1_000);
    }
    const trace = recorder.toTrace();
    assert.ok(trace.start >= trace.end - RECORDER_LIMITS.maxAge, 'nothing older than 5 minutes');
    assert.ok(trace.events.length <= 2 * 301 + 2, `${trace.events.length} events`);
    assert.ok(recorder.actorCount < 400, `${recorder.actorCount} actors tracked`);
    // Each surviving child starts its replay where the trace begins.
    const kids = trace.actors.filter((x) => x.path.endsWith('/kid') && x.born < trace.start);
    assert.ok(kids.length > 0);
    for (const kid of kids) assert.equal(kid.initial, 'on');
  });

  it('summarises SDP, candidates and browser objects, redacts them on export, and never keeps credentials', () => {
    const recorder = new FlightRecorder();
    const machine = createMachine({ on: { '*': {} } });
    const actor = createActor(machine, { inspect: recorder.inspect }).start();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    actor.send({ type: 'peer.signal', data: { description: { type: 'offer', sdp: OFFER_SDP } } });
    actor.send({
      type: 'peer.signal',
      data: { candidate: { candidate: 'candidate:9 1 tcp 1518280447 198.51.100.7 9 typ srflx', sdpMid: '0' } },
    });
    actor.send({
      type: 'socket.message',
      message: { iceServers: [{ urls: 'turn:turn.example.org', username: 'u', credential: 'hunter2' }] },
    });
    actor.send({ type: 'odd', cyclic, fn: () => 1, big: 10n, map: new Map([[1, 2]]), error: new TypeError('boom') });

    const redacted = JSON.stringify(recorder.toTrace());
    assert.ok(!redacted.includes('v=0'), 'no SDP text');
    assert.ok(!redacted.includes('192.0.2.10') && !redacted.includes('198.51.100.7'), 'no addresses');
    assert.ok(!redacted.includes('ice-pwd'));
    assert.ok(!redacted.includes('hunter2'), 'no TURN credential');
    const trace = parseTrace(JSON.parse(redacted));
    assert.equal(trace.sdp, 'redacted');
    const [offer, candidate, , odd] = trace.events.filter((e) => e.type !== 'xstate.init') as TraceEvent[];
    assert.deepEqual((offer!.data as { data: { description: unknown } }).data.description, {
      type: 'offer',
      sdp: {
        $sdp: {
          mlines: [
            { kind: 'audio', mid: '0', direction: 'sendrecv', codecs: ['opus'] },
            { kind: 'video', mid: '1', direction: 'recvonly', codecs: ['VP8', 'H264'] },
          ],
          candidates: 1,
          bytes: OFFER_SDP.length,
        },
      },
    });
    assert.deepEqual((candidate!.data as { data: { candidate: { candidate: unknown } } }).data.candidate.candidate, {
      $candidate: { type: 'srflx', protocol: 'tcp', component: 1 },
    });
    assert.deepEqual(odd!.data, {
      cyclic: { name: 'loop', self: { $type: 'Cycle' } },
      big: '10',
      map: { $type: 'Map', size: 1 },
      error: { $type: 'Error', name: 'TypeError', message: 'boom' },
    });

    const full = JSON.stringify(recorder.toTrace({ includeSdp: true }));
    assert.ok(full.includes('a=rtpmap:111 opus'), 'includeSdp keeps the SDP text');
    assert.ok(full.includes('198.51.100.7'), 'and the candidates');
    assert.ok(!full.includes('hunter2'), 'but never credentials');
  });

  it('passes every inspection event on to the inspector the app gave', () => {
    const recorder = new FlightRecorder();
    const seen: string[] = [];
    const observed: string[] = [];
    const machine = createMachine({ on: { go: {} } });
    const actor = createActor(machine, {
      inspect: composeInspectors(recorder.inspect, (e) => seen.push(e.type), { next: (e) => observed.push(e.type) }),
    }).start();
    actor.send({ type: 'go' });
    assert.ok(seen.includes('@xstate.event') && seen.includes('@xstate.snapshot'));
    assert.deepEqual(observed, seen);
    assert.equal(recorder.toTrace().events.at(-1)!.type, 'go');
  });

  it('refuses files that are not traces it can read', () => {
    assert.throws(() => parseTrace({ hello: 1 }), TraceFormatError);
    assert.throws(() => parseTrace({ format: 'rtc-kit-trace', version: 99 }), /version 99/);
    assert.throws(() => parseTrace({ format: 'rtc-kit-trace', version: 1 }), /incomplete/);
  });
});
