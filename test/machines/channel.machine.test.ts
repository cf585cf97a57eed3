import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromCallback, type AnyEventObject } from 'xstate';
import {
  channelMachine,
  channelSpecs,
  decodeMessage,
  encodeMessage,
  type ChannelNotification,
} from '../../src/machines/channel.machine.js';
import { coverModel, formatCoverage } from './model.js';

/** A stand-in RTCDataChannel: records what is sent, and fires what a test tells it to. */
class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  binaryType = 'blob';
  sent: unknown[] = [];
  send(data: unknown): void {
    if (this.readyState !== 'open') throw new DOMException('not open', 'InvalidStateError');
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 'closing';
  }
  fire(type: 'open' | 'close' | 'message', data?: unknown): void {
    if (type === 'open') this.readyState = 'open';
    if (type === 'close') this.readyState = 'closed';
    this.dispatchEvent(type === 'message' ? new MessageEvent('message', { data }) : new Event(type));
  }
}

function start(maxQueue?: number) {
  const actor = createActor(channelMachine, { input: { name: 'data', maxQueue } });
  const told: ChannelNotification[] = [];
  actor.on('*', (event) => told.push(event));
  actor.start();
  const channel = new FakeChannel();
  const attach = (): void => actor.send({ type: 'channel.attach', channel: channel as unknown as RTCDataChannel });
  return { actor, channel, told, attach, state: () => actor.getSnapshot().value };
}

describe('channelSpecs', () => {
  it('gives the built-in channels fixed ids and the app’s own the next ones, in name order', () => {
    assert.deepEqual(channelSpecs({ zeta: {}, game: { ordered: false, maxRetransmits: 0 } }), [
      { name: 'chat', id: 0 },
      { name: 'file', id: 1 },
      { name: 'data', id: 2 },
      { name: 'game', id: 3, ordered: false, maxRetransmits: 0 },
      { name: 'zeta', id: 4 },
    ]);
  });
  it('refuses bad and built-in names', () => {
    assert.throws(() => channelSpecs({ 'no spaces': {} }), RangeError);
    assert.throws(() => channelSpecs({ chat: {} }), /built-in/);
  });
});

describe('encodeMessage / decodeMessage', () => {
  it('round-trips strings, JSON and binary, each as its own type', () => {
    for (const value of ['', 'j{not json', { a: [1, null] }, 42, null, true])
      assert.deepEqual(decodeMessage(encodeMessage(value)), value);
    const bytes = new Uint8Array([1, 2, 3]).subarray(1);
    assert.deepEqual([...new Uint8Array(decodeMessage(encodeMessage(bytes)) as ArrayBuffer)], [2, 3]);
  });
  it('refuses what JSON cannot carry, and ignores foreign messages', () => {
    assert.throws(() => encodeMessage(() => 1), TypeError);
    assert.throws(() => encodeMessage(undefined), TypeError);
    assert.equal(decodeMessage('x-something-else'), undefined);
    assert.equal(decodeMessage('j{broken'), undefined);
  });
});

describe('channelMachine', () => {
  it('queues what is sent before the channel exists and opens, and flushes it in order', () => {
    const { actor, channel, attach, state, told } = start();
    for (const data of ['a', 'b']) actor.send({ type: 'channel.send', data });
    attach();
    actor.send({ type: 'channel.send', data: 'c' });
    assert.equal(state(), 'connecting');
    assert.deepEqual(channel.sent, []);
    channel.fire('open');
    assert.equal(state(), 'open');
    assert.deepEqual(channel.sent, ['a', 'b', 'c']);
    actor.send({ type: 'channel.send', data: 'd' });
    assert.deepEqual(channel.sent, ['a', 'b', 'c', 'd']);
    assert.deepEqual(told.at(-1), { type: 'channel.state', name: 'data', state: 'open' });
  });

  it('delivers messages to its parent', () => {
    const { channel, attach, told } = start();
    attach();
    channel.fire('open');
    channel.fire('message', 'sHello');
    assert.deepEqual(told.at(-1), { type: 'channel.data', name: 'data', data: 'sHello' });
  });

  it('keeps messages sent while closed, for a channel attached later', () => {
    const { actor, channel, attach, state } = start();
    attach();
    channel.fire('open');
    channel.fire('close');
    assert.equal(state(), 'closed');
    actor.send({ type: 'channel.send', data: 'later' });
    const next = new FakeChannel();
    actor.send({ type: 'channel.attach', channel: next as unknown as RTCDataChannel });
    next.fire('open');
    assert.deepEqual(next.sent, ['later']);
    // The old channel's events no longer reach the machine.
    channel.fire('message', 'sstale');
    assert.equal(state(), 'open');
  });

  it('says so when its queue is full, rather than losing a message silently', () => {
    const { actor, told } = start(2);
    for (const data of ['1', '2', '3']) actor.send({ type: 'channel.send', data });
    assert.equal(actor.getSnapshot().context.queue.length, 2);
    assert.equal(told.at(-1)?.type, 'channel.dropped');
  });

  it('reports a failed send as an error state, with the reason', () => {
    const { actor, channel, attach, state } = start();
    attach();
    channel.fire('open');
    channel.readyState = 'closing'; // the browser closed it; send throws
    actor.send({ type: 'channel.send', data: 'x' });
    assert.equal(state(), 'error');
    assert.match(actor.getSnapshot().context.error ?? '', /sending failed/);
  });

  it('covers every state and transition (model-based)', () => {
    const machine = channelMachine.provide({ actors: { port: fromCallback(() => {}) } });
    const events: AnyEventObject[] = [
      { type: 'channel.attach', channel: {} },
      { type: 'channel.send', data: 'x' },
      { type: 'channel.close' },
      { type: 'channel.opened' },
      { type: 'channel.closed' },
      { type: 'channel.failed', message: 'boom' },
      { type: 'channel.message', data: 'sx' },
    ];
    const coverage = coverModel({ machine, input: { name: 'data' }, events });
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});
