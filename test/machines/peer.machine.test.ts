import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromCallback, waitFor, type AnyEventObject } from 'xstate';
import { iceMachine } from '../../src/machines/ice.machine.js';
import type {
  PeerConnectionCommand,
  PeerConnectionEvent,
  PeerConnectionInput,
} from '../../src/machines/peer.connection.js';
import { peerMachine, type PeerInput, type PeerNotification } from '../../src/machines/peer.machine.js';
import { coverModel, formatCoverage } from './model.js';

/** A connection the test drives: records commands, lets the test play the browser. */
function fakeConnection() {
  const commands: PeerConnectionCommand[] = [];
  let report: (event: PeerConnectionEvent) => void = () => {};
  let closed = false;
  const logic = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(
    ({ sendBack, receive }) => {
      report = sendBack;
      receive((command) => commands.push(command));
      return () => {
        closed = true;
      };
    },
  );
  return { logic, commands, report: (event: PeerConnectionEvent) => report(event), isClosed: () => closed };
}

function start(input: Partial<PeerInput> = {}) {
  const fake = fakeConnection();
  const actor = createActor(peerMachine.provide({ actors: { connection: fake.logic } }), {
    input: { key: 'bob', polite: true, initiator: true, ...input },
  });
  const notes: PeerNotification[] = [];
  for (const type of ['peer.signal.out', 'peer.connected', 'peer.track', 'peer.failed'] as const)
    actor.on(type, (note) => notes.push(note));
  actor.start();
  return { actor, fake, notes };
}

const connection = (state: RTCPeerConnectionState): PeerConnectionEvent => ({ type: 'pc.connection', state });

describe('peerMachine', () => {
  it('goes negotiating → connecting → connected, and announces it', () => {
    const { actor, fake, notes } = start();
    assert.ok(actor.getSnapshot().matches('negotiating'));
    fake.report({ type: 'pc.signal.out', data: { description: { type: 'offer', sdp: 'x' } } });
    assert.deepEqual(notes[0], {
      type: 'peer.signal.out',
      key: 'bob',
      data: { description: { type: 'offer', sdp: 'x' } },
    });
    fake.report({ type: 'pc.signaling', state: 'have-local-offer', remote: false });
    assert.ok(actor.getSnapshot().matches('negotiating'));
    fake.report({ type: 'pc.signaling', state: 'stable', remote: true });
    assert.ok(actor.getSnapshot().matches('connecting'));
    fake.report(connection('connected'));
    assert.ok(actor.getSnapshot().matches('connected'));
    assert.deepEqual(notes.at(-1), { type: 'peer.connected', key: 'bob' });
    actor.stop();
    assert.ok(fake.isClosed(), 'stopping the peer closes its connection');
  });

  it('forwards signals and track changes to the connection', () => {
    const { actor, fake } = start();
    actor.send({ type: 'peer.signal', data: { candidate: { candidate: 'c' } } });
    actor.send({ type: 'peer.replace-track', kind: 'video', track: null });
    assert.deepEqual(fake.commands, [
      { type: 'pc.signal.in', data: { candidate: { candidate: 'c' } } },
      { type: 'pc.replace-track', kind: 'video', track: null },
    ]);
    actor.stop();
  });

  it('gives a disconnected peer a grace period, then restarts ICE', async () => {
    const { actor, fake } = start({ disconnectedGrace: 20 });
    fake.report(connection('connected'));
    fake.report(connection('disconnected'));
    assert.ok(actor.getSnapshot().matches('disconnected'));
    fake.report(connection('connected'));
    assert.ok(actor.getSnapshot().matches('connected'), 'recovering by itself needs no restart');
    fake.report(connection('disconnected'));
    await waitFor(actor, (s) => s.matches('restarting'));
    assert.deepEqual(fake.commands.at(-1), { type: 'pc.restart-ice' });
    fake.report(connection('connected'));
    assert.ok(actor.getSnapshot().matches('connected'));
    assert.equal(actor.getSnapshot().context.restarts, 0);
    actor.stop();
  });

  it('restarts at once after failed, retries, and gives up after maxRestarts', async () => {
    const { actor, fake, notes } = start({ maxRestarts: 2, restartTimeout: 10 });
    fake.report(connection('connected'));
    fake.report(connection('failed'));
    assert.ok(actor.getSnapshot().matches('restarting'));
    await waitFor(actor, (s) => s.matches('failed'));
    assert.equal(fake.commands.filter((c) => c.type === 'pc.restart-ice').length, 2);
    assert.equal(notes.at(-1)?.type, 'peer.failed');
    actor.send({ type: 'peer.restart' });
    assert.ok(actor.getSnapshot().matches('restarting'), 'a failed peer can be restarted by hand');
    actor.stop();
  });

  it('restarts ICE when the first connection takes too long', async () => {
    const { actor, fake } = start({ connectTimeout: 10 });
    fake.report({ type: 'pc.signaling', state: 'stable', remote: true });
    await waitFor(actor, (s) => s.matches('restarting'));
    assert.deepEqual(fake.commands.at(-1), { type: 'pc.restart-ice' });
    actor.stop();
  });

  it('counts rollbacks and keeps the remote stream and the ICE picture', () => {
    const { actor, fake } = start();
    fake.report({ type: 'pc.rollback' });
    fake.report({ type: 'pc.ice.connection', state: 'checking' });
    fake.report({ type: 'pc.ice.gathering', state: 'complete' });
    fake.report({ type: 'pc.ice.pair', pair: { local: 'host', remote: 'relay', protocol: 'udp' } });
    const snapshot = actor.getSnapshot();
    assert.equal(snapshot.context.rollbacks, 1);
    const ice = snapshot.children.ice!.getSnapshot();
    assert.deepEqual(ice.value, { gathering: 'complete', connection: 'checking' });
    assert.deepEqual(ice.context.pair, { local: 'host', remote: 'relay', protocol: 'udp' });
    actor.send({ type: 'peer.close' });
    assert.equal(actor.getSnapshot().status, 'done');
    assert.ok(fake.isClosed());
  });

  it('covers every state and transition (model-based)', () => {
    const machine = peerMachine.provide({
      actors: {
        connection: fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(() => () => {}),
      },
    });
    const states: RTCPeerConnectionState[] = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'];
    const events: AnyEventObject[] = [
      ...states.map(connection),
      { type: 'pc.signaling', state: 'stable', remote: true },
      { type: 'pc.signal.out', data: {} },
      { type: 'pc.error', message: 'x' },
      { type: 'peer.signal', data: {} },
      { type: 'peer.replace-track', kind: 'audio', track: null },
      { type: 'peer.add-track', track: {} },
      { type: 'peer.remove-track', track: {} },
    ];
    const coverage = coverModel({
      machine,
      input: { key: 'bob', polite: true, initiator: true, maxRestarts: 1 },
      events,
    });
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});

describe('iceMachine', () => {
  it('covers every state and transition (model-based)', () => {
    const events: AnyEventObject[] = [
      ...['new', 'gathering', 'complete'].map((state) => ({ type: 'ice.gathering', state })),
      ...['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed'].map((state) => ({
        type: 'ice.connection',
        state,
      })),
      { type: 'ice.pair', pair: { local: 'host', remote: 'srflx', protocol: 'udp' } },
    ];
    const coverage = coverModel({ machine: iceMachine, events });
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});
