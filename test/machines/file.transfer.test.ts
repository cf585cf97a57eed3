import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createActor, createMachine, sendTo, type AnyActorRef } from 'xstate';
import {
  chunkSizeFor,
  fileTransferActor,
  MAX_CHUNK,
  MAX_MESSAGE,
  type FileEvent,
} from '../../src/machines/file.transfer.js';

/**
 * Two stand-in RTCDataChannels joined back to back, delivering asynchronously like the real thing. `tamper`
 * may rewrite what goes from a to b (to corrupt a file on the way).
 */
function channelPair(tamper: (data: unknown) => unknown = (data) => data) {
  class Fake extends EventTarget {
    readyState: RTCDataChannelState = 'open';
    binaryType = 'arraybuffer';
    bufferedAmount = 0;
    bufferedAmountLowThreshold = 0;
    /** Byte sizes of the binary messages sent. */
    binary: number[] = [];
    other!: Fake;
    constructor(private readonly outbound: (data: unknown) => unknown) {
      super();
    }
    send(data: string | ArrayBuffer): void {
      const size = typeof data === 'string' ? data.length : data.byteLength;
      if (typeof data !== 'string') this.binary.push(size);
      this.bufferedAmount += size;
      setTimeout(() => {
        this.bufferedAmount -= size;
        if (this.bufferedAmount <= this.bufferedAmountLowThreshold) this.dispatchEvent(new Event('bufferedamountlow'));
        const copy = typeof data === 'string' ? data : data.slice(0);
        this.other.dispatchEvent(new MessageEvent('message', { data: this.outbound(copy) }));
      });
    }
    close(): void {}
  }
  const a = new Fake(tamper);
  const b = new Fake((data) => data);
  a.other = b;
  b.other = a;
  return { a: a as unknown as RTCDataChannel, b: b as unknown as RTCDataChannel, sentByA: a.binary };
}

/**
 * A file actor on `channel`, in a parent that records what it reports. `maxMessageSize` is the negotiated limit
 * it is told after attaching, as the peer does once negotiation is over (none: never told).
 */
function side(channel: RTCDataChannel, maxFileSize?: number, maxMessageSize?: number) {
  const events: FileEvent[] = [];
  const parent = createActor(
    createMachine({
      invoke: { id: 'files', src: fileTransferActor, input: { maxFileSize } },
      on: {
        '*': { actions: ({ event }) => events.push(event as FileEvent) },
        'files.send': { actions: sendTo('files', ({ event }) => event) },
        'files.cancel': { actions: sendTo('files', ({ event }) => event) },
      },
    }),
  ).start();
  const files = parent.getSnapshot().children.files as AnyActorRef;
  files.send({ type: 'files.attach', channel });
  if (maxMessageSize !== undefined) files.send({ type: 'files.limit', maxMessageSize });
  const until = (test: (event: FileEvent) => boolean): Promise<FileEvent> =>
    new Promise((resolve) => {
      const found = events.find(test);
      if (found) return resolve(found);
      const timer = setInterval(() => {
        const hit = events.find(test);
        if (hit) {
          clearInterval(timer);
          resolve(hit);
        }
      }, 1);
    });
  return {
    parent,
    events,
    until,
    send: (file: Blob, id = 't1') => parent.send({ type: 'files.send', id, file, name: 'f.bin' }),
  };
}

const random = (size: number): Uint8Array => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + 13) & 0xff;
  return bytes;
};

describe('fileTransferActor', () => {
  for (const [label, limit, largest] of [
    ['no limit told yet: 64 KiB messages, which every browser carries intact', undefined, MAX_MESSAGE],
    ["Chromium's 256 KiB limit: still 64 KiB messages", 262_144, MAX_MESSAGE],
    ['a 16 KiB limit: 16 KiB messages', 16_384, 16_384],
    ['no limit at all (Infinity): 64 KiB messages', Infinity, MAX_MESSAGE],
  ] as const)
    it(`sends a file in chunks that fit the negotiated limit and 64 KiB (${label}); SHA-256 checked`, async () => {
      const { a, b, sentByA } = channelPair();
      const alice = side(a, undefined, limit);
      const bob = side(b);
      const bytes = random(300_000);
      alice.send(new Blob([bytes as BlobPart]));
      const done = (await bob.until((e) => e.type === 'files.done')) as Extract<FileEvent, { type: 'files.done' }>;
      assert.equal(done.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.deepEqual(new Uint8Array(await done.blob!.arrayBuffer()), bytes);
      await alice.until((e) => e.type === 'files.done');
      assert.equal(Math.max(...sentByA), largest, 'the largest message');
      assert.equal(
        sentByA.reduce((sum, size) => sum + size - 4, 0),
        bytes.length,
        'every byte once, a 4-byte header per message',
      );
    });

  it('picks the chunk size from the negotiated limit, never above 64 KiB with the header', () => {
    assert.equal(MAX_MESSAGE, 65_536);
    assert.equal(MAX_CHUNK, 65_532);
    assert.equal(chunkSizeFor(undefined), MAX_CHUNK);
    assert.equal(chunkSizeFor(262_144), MAX_CHUNK);
    assert.equal(chunkSizeFor(1_073_741_823), MAX_CHUNK);
    assert.equal(chunkSizeFor(Infinity), MAX_CHUNK);
    assert.equal(chunkSizeFor(65_536), MAX_CHUNK);
    assert.equal(chunkSizeFor(16_384), 16_380);
    assert.equal(chunkSizeFor(5), 1);
    for (const nonsense of [0, 4, -1, NaN]) assert.equal(chunkSizeFor(nonsense), MAX_CHUNK, String(nonsense));
  });

  it('discards a file that arrives damaged, and says so on both sides', async () => {
    let flipped = false;
    const { a, b } = channelPair((data) => {
      if (!flipped && data instanceof ArrayBuffer && data.byteLength > 1000) {
        flipped = true;
        const bytes = new Uint8Array(data);
        bytes[500] = bytes[500]! ^ 0xff;
      }
      return data;
    });
    const alice = side(a);
    const bob = side(b);
    alice.send(new Blob([random(100_000) as BlobPart]));
    const failed = await bob.until((e) => e.type === 'files.failed');
    assert.deepEqual(
      { reason: (failed as { reason: string }).reason, by: (failed as { by: string }).by },
      { reason: 'integrity', by: 'local' },
    );
    assert.match((failed as { message: string }).message, /arrived damaged \(its SHA-256 does not match\)/);
    const sender = await alice.until((e) => e.type === 'files.failed');
    assert.equal((sender as { reason: string }).reason, 'integrity');
    assert.equal(
      bob.events.some((e) => e.type === 'files.done'),
      false,
    );
  });

  it('refuses a file over the size limit before any chunk is sent', async () => {
    const { a, b } = channelPair();
    const alice = side(a);
    const bob = side(b, 10);
    alice.send(new Blob([random(100) as BlobPart]));
    const failed = await alice.until((e) => e.type === 'files.failed');
    assert.equal((failed as { reason: string }).reason, 'too-large');
    assert.equal(
      alice.events.some((e) => e.type === 'files.progress'),
      false,
    );
    assert.equal(((await bob.until((e) => e.type === 'files.failed')) as { by: string }).by, 'local');
  });

  it('sends a 0-byte file', async () => {
    const { a, b } = channelPair();
    const alice = side(a);
    const bob = side(b);
    alice.send(new Blob([]));
    const done = (await bob.until((e) => e.type === 'files.done')) as Extract<FileEvent, { type: 'files.done' }>;
    assert.equal(done.blob!.size, 0);
    assert.equal(done.sha256, createHash('sha256').digest('hex'));
  });
});
