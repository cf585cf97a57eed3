import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import type { RtcCall, RtcStats } from '../../src/components/index.js';
import type { RtcErrorEvent } from '../../src/events/index.js';
import { redisRelays, turnRelay, uniqueRoom } from './commands.js';

afterEach(() => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
});

/** Two `<rtc-call>`s in one room, Alice on `alice` and Bob on `bob` (two relays, or the same one twice). */
async function pairOn(alice: string, bob: string, attributes: { policy?: string } = {}) {
  const room = uniqueRoom('net');
  const root = await fixture<HTMLElement>(html`
    <div>
      <rtc-call id="alice" room=${room} server=${alice} name="Alice" ice-transport-policy=${attributes.policy ?? ''}>
        <rtc-stats interval="250"></rtc-stats>
      </rtc-call>
      <rtc-call
        id="bob"
        room=${room}
        server=${bob}
        name="Bob"
        ice-transport-policy=${attributes.policy ?? ''}
      ></rtc-call>
    </div>
  `);
  return { alice: root.querySelector<RtcCall>('#alice')!, bob: root.querySelector<RtcCall>('#bob')! };
}

/** Waits until `call` decodes the other side's video. */
async function decoding(call: RtcCall): Promise<void> {
  await waitUntil(
    async () => {
      const [peer] = Object.values(call.actor?.getSnapshot().context.peers ?? {});
      const pc = peer?.ref.getSnapshot().context.pc;
      if (!pc) return false;
      let frames = 0;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      });
      return frames > 0;
    },
    'decoded video',
    { timeout: 20_000, interval: 100 },
  );
}

describe('TURN with short-lived credentials from the relay', () => {
  it('connects two calls through coturn only (ice-transport-policy="relay"), and the stats say relay', async () => {
    const { url } = await turnRelay('right');
    const { alice, bob } = await pairOn(url, url, { policy: 'relay' });
    alice.join();
    bob.join();
    await decoding(alice);
    await decoding(bob);
    const stats = alice.querySelector<RtcStats>('rtc-stats')!;
    await waitUntil(() => Object.values(stats.stats)[0]?.latest.connectionType === 'relay', 'a relay pair', {
      timeout: 10_000,
    });
    const sample = Object.values(stats.stats)[0]!.latest;
    expect([sample.localCandidateType, sample.remoteCandidateType]).to.include('relay');
  });

  it('shows a clear rtc-error when the TURN server refuses the credentials', async () => {
    const { url } = await turnRelay('wrong');
    const { alice, bob } = await pairOn(url, url, { policy: 'relay' });
    const refused = new Promise<RtcErrorEvent>((resolve) =>
      alice.addEventListener('rtc-error', (event) => event.code === 'turn-unauthorized' && resolve(event)),
    );
    alice.join();
    bob.join();
    const error = await refused;
    expect(error.message).to.match(/refused the TURN credentials \(401/);
    await waitUntil(() => alice.shadowRoot?.querySelector('[part="error"]')?.textContent?.includes('TURN'), 'shown');
  });
});

describe('two relay nodes sharing Redis', () => {
  it('puts a call on node A and a call on node B in one room, with video both ways', async () => {
    const [a, b] = await redisRelays();
    const { alice, bob } = await pairOn(a, b);
    const joined = oneEvent(alice, 'rtc-peer-joined');
    alice.join();
    bob.join();
    await joined;
    await decoding(alice);
    await decoding(bob);
    expect(alice.peers.map((p) => p.meta.name)).to.deep.equal(['Bob']);
  });
});
