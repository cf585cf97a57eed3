import { expect, waitUntil } from '@open-wc/testing';
import {
  createCall,
  HIGH_WATER_MARK,
  MAX_CHUNK,
  type Call,
  type CreateCallOptions,
  type Transfer,
} from '../../src/index.js';
import { relayUrl, uniqueRoom } from './commands.js';

const calls: Call[] = [];
let server = '';

before(async () => {
  server = await relayUrl();
});

afterEach(() => {
  for (const call of calls.splice(0)) {
    call.leave();
    call.dispose();
  }
});

/** Two calls without media in one room; resolves once each knows the other (channels may still be opening). */
async function pair(options: Partial<CreateCallOptions> = {}, bobOptions = options): Promise<[Call, Call]> {
  const room = uniqueRoom('data');
  const alice = createCall({ server, room, meta: { name: 'Alice' }, media: false, ...options });
  const bob = createCall({ server, room, meta: { name: 'Bob' }, media: false, ...bobOptions });
  calls.push(alice, bob);
  alice.join();
  bob.join();
  await waitUntil(() => alice.peers.length === 1 && bob.peers.length === 1, 'each knows the other', {
    timeout: 10_000,
    interval: 5,
  });
  return [alice, bob];
}

const key = (call: Call): string => call.actor.getSnapshot().context.session;

/** Collects the app data `call` receives on `channel`. */
function received(call: Call, channel = 'data'): unknown[] {
  const list: unknown[] = [];
  call.on('data', (event) => event.channel === channel && list.push(event.data));
  return list;
}

/** A file of `size` random bytes. */
function randomFile(size: number, name = 'random.bin'): File {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < size; offset += 65_536) {
    const part = new Uint8Array(Math.min(65_536, size - offset));
    crypto.getRandomValues(part);
    parts.push(part);
  }
  return new File(parts as BlobPart[], name, { type: 'application/octet-stream' });
}

const hex = async (blob: Blob): Promise<string> =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

/** The transfer `call` has of file `id` with `peer`. */
const transferOf = (call: Call, id: string): Transfer | undefined => call.transfers.find((t) => t.id === id);

describe('app messaging', () => {
  it('delivers, in order, every message sent before the channel opened', async () => {
    const [alice, bob] = await pair();
    const got = received(bob);
    // The peer connection is still negotiating: each of these waits in the channel's queue.
    const channel = alice.peers[0]!.ref.getSnapshot().children['channel:data']!.getSnapshot() as { value: string };
    expect(channel.value).to.equal('connecting');
    for (let i = 0; i < 200; i++) alice.send({ i }, { channel: 'data' });
    await waitUntil(() => got.length === 200, 'all 200 arrive', { timeout: 15_000 });
    expect(got).to.deep.equal(Array.from({ length: 200 }, (_, i) => ({ i })));
  });

  it('carries strings, JSON and binary as they were sent, to everyone or to one participant', async () => {
    const [alice, bob] = await pair();
    const got = received(bob);
    alice.send('plain text', { channel: 'data' });
    alice.send({ nested: [1, 'two', null], ok: true }, { channel: 'data', to: key(bob) });
    alice.send(new Uint8Array([1, 2, 3]), { channel: 'data' });
    await waitUntil(() => got.length === 3, 'three messages', { timeout: 15_000 });
    expect(got[0]).to.equal('plain text');
    expect(got[1]).to.deep.equal({ nested: [1, 'two', null], ok: true });
    expect([...new Uint8Array(got[2] as ArrayBuffer)]).to.deep.equal([1, 2, 3]);
    // The same channel, used as chat by default:
    alice.send('hi');
    await waitUntil(() => bob.messages.length === 1, 'a chat message');
    expect(bob.messages[0]).to.include({ text: 'hi', name: 'Alice' });
  });

  it('delivers on an unordered, unreliable channel the app declares', async () => {
    const channels = { game: { ordered: false, maxRetransmits: 0 } };
    const [alice, bob] = await pair({ channels });
    const got = received(bob, 'game');
    await waitUntil(
      () =>
        (alice.peers[0]!.ref.getSnapshot().children['channel:game']!.getSnapshot() as { value: string }).value ===
        'open',
      'the game channel opens',
      { timeout: 15_000 },
    );
    const pc = alice.connection(key(bob))!;
    expect(pc.sctp).to.not.equal(null);
    for (let i = 0; i < 50; i++) alice.send({ tick: i }, { channel: 'game' });
    await waitUntil(() => got.length === 50, 'all 50 on loopback', { timeout: 15_000 });
    expect(new Set(got.map((m) => (m as { tick: number }).tick)).size).to.equal(50);
  });

  it('refuses what it cannot send with a clear error, and loses nothing else', async () => {
    const [alice] = await pair();
    expect(() => alice.send('x', { channel: 'nope' })).to.throw(RangeError, /No data channel "nope": use chat, data/);
    expect(() => alice.send('x', { channel: 'file' })).to.throw(RangeError);
    expect(() => alice.send('x', { channel: 'data', to: 'nobody' })).to.throw(RangeError, /No participant "nobody"/);
    expect(() => alice.send(() => 1, { channel: 'data' })).to.throw(TypeError, /cannot be sent/);
    expect(() => alice.send({ x: 1 })).to.throw(TypeError, /chat message is a string/);
  });
});

describe('file transfer', () => {
  for (const [label, size] of [
    ['0-byte', 0],
    ['1 MiB', 1024 * 1024],
    ['50 MiB', 50 * 1024 * 1024],
  ] as const)
    it(`sends a ${label} file that arrives byte-identical, with bounded buffering`, async () => {
      const [alice, bob] = await pair();
      const file = randomFile(size, `${label}.bin`);
      const transfer = alice.sendFile(file);
      let events = 0;
      let last = 0;
      let monotonic = true;
      transfer.addEventListener('progress', (event) => {
        events++;
        monotonic &&= (event as ProgressEvent).loaded >= last;
        last = (event as ProgressEvent).loaded;
      });
      await transfer.done;
      await waitUntil(() => transferOf(bob, transfer.id)?.state === 'done', 'Bob has it', { timeout: 10_000 });
      const got = transferOf(bob, transfer.id)!;
      expect(got).to.include({ name: `${label}.bin`, size, mime: 'application/octet-stream' });
      expect(got.blob!.size).to.equal(size);
      expect(await hex(got.blob!)).to.equal(await hex(file));
      expect(monotonic).to.equal(true);
      if (size > 0) expect(events).to.be.greaterThan(0);
      const sent = transferOf(alice, transfer.id)!;
      expect(sent.maxBuffered ?? 0, 'the send buffer stayed under the high-water mark plus one chunk').to.be.at.most(
        HIGH_WATER_MARK + MAX_CHUNK,
      );
    }).timeout(120_000);

  /** Resolves with the blob `call` received of transfer `id`, once its SHA-256 was checked. */
  const arrival = async (call: Call, id: string, who: string): Promise<Blob> => {
    await waitUntil(() => transferOf(call, id)?.state !== 'active' && !!transferOf(call, id), `${who} has it`, {
      timeout: 20_000,
    });
    const got = transferOf(call, id)!;
    expect(got.state, `${who}: ${got.error?.message}`).to.equal('done');
    return got.blob!;
  };

  it('sends a 1 MiB file each way at once, from the first and the second to join', async () => {
    const [alice, bob] = await pair();
    const errors: string[] = [];
    for (const call of [alice, bob]) call.on('error', ({ code, message }) => errors.push(`${code}: ${message}`));
    const fromAlice = randomFile(1024 * 1024, 'from-alice.bin');
    const fromBob = randomFile(1024 * 1024, 'from-bob.bin');
    // Before either channel is open: whichever joined second made the offer, before its SCTP transport existed.
    const sent = [alice.sendFile(fromAlice), bob.sendFile(fromBob)];
    await Promise.all(sent.map((t) => t.done));
    expect(await hex(await arrival(bob, sent[0]!.id, 'Bob'))).to.equal(await hex(fromAlice));
    expect(await hex(await arrival(alice, sent[1]!.id, 'Alice'))).to.equal(await hex(fromBob));
    expect(errors).to.deep.equal([]);
    for (const call of [alice, bob]) {
      const limit = call.connection(call.peers[0]!.key)!.sctp!.maxMessageSize;
      expect(limit, 'negotiated').to.be.greaterThan(0);
    }
  }).timeout(60_000);

  it('in a call of three, every participant sends a 1 MiB file that reaches both others intact', async () => {
    const room = uniqueRoom('files3');
    const names = ['Alice', 'Bob', 'Carol'];
    const group: Call[] = [];
    // One after the other, so each is in turn the first, the middle and the last to join.
    for (const name of names) {
      const call = createCall({ server, room, meta: { name }, media: false });
      calls.push(call);
      group.push(call);
      call.join();
      await waitUntil(() => call.state === 'waiting' || call.state === 'in-call', `${name} joined`, {
        timeout: 10_000,
      });
    }
    await waitUntil(() => group.every((call) => call.peers.length === 2), 'everyone knows everyone', {
      timeout: 15_000,
    });
    const files = names.map((name) => randomFile(1024 * 1024, `from-${name}.bin`));
    const transfers = group.map((call, i) => call.sendFile(files[i]!));
    await Promise.all(transfers.map((t) => t.done));
    for (const [i, transfer] of transfers.entries())
      for (const [j, call] of group.entries()) {
        if (i === j) continue;
        const blob = await arrival(call, transfer.id, `${names[j]} (from ${names[i]})`);
        expect(await hex(blob), `${names[i]} → ${names[j]}`).to.equal(await hex(files[i]!));
      }
  }).timeout(90_000);

  it('tells both sides of a failed transfer with an error: a file-<reason> code and what happened', async () => {
    const [alice, bob] = await pair({}, { maxFileSize: 1000 });
    const errors = new Map<Call, { code: string; message: string }[]>([
      [alice, []],
      [bob, []],
    ]);
    for (const [call, list] of errors) call.on('error', ({ code, message }) => list.push({ code, message }));
    const transfer = alice.sendFile(randomFile(4000, 'big.bin'));
    await transfer.done.catch(() => {});
    await waitUntil(() => errors.get(bob)!.length > 0, 'Bob is told too');
    expect(errors.get(alice)).to.deep.equal([
      { code: 'file-too-large', message: 'big.bin is too large: it is 4000 bytes and the limit here is 1000' },
    ]);
    expect(errors.get(bob)![0]).to.deep.equal({
      code: 'file-too-large',
      message: 'big.bin is too large: it is 4000 bytes and the limit here is 1000',
    });
  });

  it('cancels from the sending side; the other side is told', async () => {
    const [alice, bob] = await pair();
    const transfer = alice.sendFile(randomFile(50 * 1024 * 1024));
    await waitUntil(() => (transferOf(bob, transfer.id)?.bytes ?? 0) > 2 * 1024 * 1024, 'under way', {
      timeout: 20_000,
    });
    transfer.cancel();
    let error: Error | undefined;
    await transfer.done.catch((e: Error) => (error = e));
    expect(error?.message).to.match(/cancelled/);
    await waitUntil(() => transferOf(bob, transfer.id)?.state === 'failed', 'Bob’s side ends', { timeout: 10_000 });
    expect(transferOf(bob, transfer.id)!.error).to.include({ reason: 'cancelled', by: 'remote' });
  }).timeout(60_000);

  it('cancels from the receiving side; the sender stops', async () => {
    const [alice, bob] = await pair();
    const transfer = alice.sendFile(randomFile(50 * 1024 * 1024));
    await waitUntil(() => (transferOf(bob, transfer.id)?.bytes ?? 0) > 2 * 1024 * 1024, 'under way', {
      timeout: 20_000,
    });
    bob.cancelFile(transfer.id);
    let error: Error | undefined;
    await transfer.done.catch((e: Error) => (error = e));
    expect(error?.message).to.match(/cancelled/);
    expect(transferOf(alice, transfer.id)!.error).to.include({ reason: 'cancelled', by: 'remote' });
    expect(transferOf(bob, transfer.id)!.error).to.include({ reason: 'cancelled', by: 'local' });
  }).timeout(60_000);

  it('carries on through an ICE restart in the middle of a 50 MiB file, without starting over', async () => {
    const [alice, bob] = await pair();
    const file = randomFile(50 * 1024 * 1024);
    const transfer = alice.sendFile(file);
    const seen: number[] = [];
    transfer.addEventListener('progress', (event) => seen.push((event as ProgressEvent).loaded));
    const peer = alice.peers[0]!.ref;
    let restarted = false;
    peer.subscribe((snapshot) => (restarted ||= snapshot.matches('restarting')));
    await waitUntil(() => (transferOf(bob, transfer.id)?.bytes ?? 0) > 10 * 1024 * 1024, 'under way', {
      timeout: 20_000,
    });
    peer.send({ type: 'peer.restart' });
    await transfer.done;
    expect(restarted, 'an ICE restart happened').to.equal(true);
    expect(
      seen.every((loaded, i) => i === 0 || loaded >= seen[i - 1]!),
      'never went back',
    ).to.equal(true);
    const got = transferOf(bob, transfer.id)!;
    expect(await hex(got.blob!)).to.equal(await hex(file));
  }).timeout(120_000);

  it('refuses a file over the receiver’s size limit, before sending it', async () => {
    const [alice, bob] = await pair({}, { maxFileSize: 1000 });
    const transfer = alice.sendFile(randomFile(4000, 'big.bin'));
    let error: Error | undefined;
    await transfer.done.catch((e: Error) => (error = e));
    expect(error?.message).to.match(/big\.bin is too large: it is 4000 bytes and the limit here is 1000/);
    expect(transferOf(alice, transfer.id)!.bytes).to.equal(0);
    expect(transferOf(bob, transfer.id)!.error?.reason).to.equal('too-large');
  });
});
