import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Relay } from '../../server/index.js';
import type { SignalFromMessage } from '../../src/signaling/protocol.js';
import { startRelay, TestClient } from './helpers.js';

const ROOMS = 50;
const PER_ROOM = 10;
const SIGNALS = 20_000;
const PER_CLIENT = SIGNALS / (ROOMS * PER_ROOM);

let relay: Relay;
let url: string;
before(async () => {
  // Every client comes from 127.0.0.1: lift the per-IP cap.
  ({ relay, url } = await startRelay({ maxConnectionsPerIp: ROOMS * PER_ROOM }));
});
after(() => relay.close());

describe('#scale', () => {
  it(`routes ${SIGNALS} signals among ${ROOMS * PER_ROOM} clients in ${ROOMS} rooms: none lost, duplicated, misrouted or reordered`, async () => {
    const rooms: TestClient[][] = [];
    for (let r = 0; r < ROOMS; r++) {
      const members: TestClient[] = [];
      for (let i = 0; i < PER_ROOM; i++) members.push((await TestClient.join(url, `scale-${r}`))[0]);
      // Drain the peer-joined announcements so the queues hold only signals.
      for (const [i, member] of members.entries())
        for (let j = i + 1; j < PER_ROOM; j++) await member.expect('peer-joined');
      rooms.push(members);
    }
    assert.deepEqual(relay.health(), { ok: true, rooms: ROOMS, peers: ROOMS * PER_ROOM });

    // Every client sends PER_CLIENT signals, spread over its room mates; data names room, sender, receiver
    // and the sequence number of that sender→receiver pair.
    const expected = new Map<TestClient, number>();
    for (const [r, members] of rooms.entries()) {
      for (const [i, sender] of members.entries()) {
        const seq = new Array<number>(PER_ROOM).fill(0);
        for (let n = 0; n < PER_CLIENT; n++) {
          const j = (i + 1 + ((n * 7) % (PER_ROOM - 1))) % PER_ROOM;
          const receiver = members[j]!;
          sender.send({ type: 'signal', to: receiver.id, data: { r, from: i, to: j, seq: seq[j] } });
          seq[j] = seq[j]! + 1;
          expected.set(receiver, (expected.get(receiver) ?? 0) + 1);
        }
      }
    }

    let delivered = 0;
    for (const [r, members] of rooms.entries()) {
      const ids = new Map(members.map((m, i) => [m.id, i]));
      for (const [j, receiver] of members.entries()) {
        const nextSeq = new Map<number, number>();
        for (let k = 0; k < expected.get(receiver)!; k++) {
          const message = (await receiver.expect('signal')) as SignalFromMessage;
          const data = message.data as { r: number; from: number; to: number; seq: number };
          assert.equal(data.r, r, 'stayed in its room');
          assert.equal(data.to, j, 'reached the peer it was sent to');
          assert.equal(ids.get(message.from), data.from, 'from names the real sender');
          assert.equal(data.seq, nextSeq.get(data.from) ?? 0, 'in order, no gap, no duplicate');
          nextSeq.set(data.from, data.seq + 1);
          delivered++;
        }
        await receiver.roundTrip(); // Nothing extra was queued behind the expected signals.
      }
    }
    assert.equal(delivered, SIGNALS);
    for (const members of rooms) for (const member of members) member.close();
  });
});
