import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import '../../src/components/stats/define.js';
import type { RtcCall } from '../../src/components/index.js';
import { RingBuffer } from '../../src/components/stats/history.js';
import { sampleStats, type RtcStat, type StatsSample } from '../../src/components/stats/sample.js';
import { sparklinePoints } from '../../src/components/stats/sparkline.js';
import type { RtcStats } from '../../src/components/stats/stats.js';
import type { RtcStatsEvent } from '../../src/events/rtc-stats.js';
import { relayUrl, uniqueRoom } from './commands.js';

let server = '';
before(async () => {
  server = await relayUrl();
});

afterEach(() => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
});

/** Two calls side by side in one page, in the same room, and a dashboard of Alice's connections. */
async function pair(interval = '250'): Promise<{ alice: RtcCall; bob: RtcCall; stats: RtcStats; root: HTMLElement }> {
  const room = uniqueRoom('stats');
  const root = await fixture<HTMLElement>(html`
    <div style="display: grid; grid-template-columns: 1fr 1fr; width: 1200px">
      <rtc-call id="alice" room=${room} server=${server} name="Alice" autojoin></rtc-call>
      <rtc-call id="bob" room=${room} server=${server} name="Bob" autojoin></rtc-call>
      <rtc-stats call="alice" interval=${interval} style="grid-column: 1 / -1"></rtc-stats>
    </div>
  `);
  const alice = root.querySelector<RtcCall>('#alice')!;
  const bob = root.querySelector<RtcCall>('#bob')!;
  const stats = root.querySelector<RtcStats>('rtc-stats')!;
  await waitUntil(() => alice.state === 'in-call' && bob.state === 'in-call', 'both in call', { timeout: 15_000 });
  return { alice, bob, stats, root };
}

/** Bob's key, as Alice knows him. */
function bobKey(alice: RtcCall): string {
  const bob = alice.peers.find((peer) => peer.meta.name === 'Bob');
  if (!bob) throw new Error('Alice does not see Bob');
  return bob.key;
}

/** True once a sample shows media flowing in: bitrate, frame rate, size and codec, over a direct path. */
const live = (sample: StatsSample | undefined): boolean =>
  !!sample &&
  (sample.bitrateIn ?? 0) > 0 &&
  (sample.fps ?? 0) > 0 &&
  !!sample.resolution &&
  !!sample.codec &&
  // A direct path: host to host, or (Firefox, on loopback) to a peer-reflexive candidate the checks found before
  // the trickled host candidate arrived. Either way, not relayed.
  ['host', 'prflx'].includes(sample.connectionType ?? '') &&
  typeof sample.rtt === 'number';

const shadow = (host: Element, selector: string): Element[] => [...(host.shadowRoot?.querySelectorAll(selector) ?? [])];

/** Counts the `rtc-stats` events an element fires. */
function countEvents(target: EventTarget): { readonly count: number } {
  const counter = { count: 0 };
  target.addEventListener('rtc-stats', () => counter.count++);
  return counter;
}

/** Waits for `n` more `rtc-stats` events of `target`. */
async function events(target: EventTarget, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await oneEvent(target, 'rtc-stats');
}

describe('<rtc-stats>', () => {
  it('shows live figures for the other participant, from the stats property and the rtc-stats event', async () => {
    const { alice, stats } = await pair();
    const key = bobKey(alice);
    await waitUntil(() => live(stats.stats[key]?.latest), 'Bob’s figures are live', { timeout: 20_000 });

    const bob = stats.stats[key]!;
    expect(bob.name).to.equal('Bob');
    expect(bob.latest.localCandidateType).to.equal('host');
    expect(bob.latest.remoteCandidateType).to.equal('host');
    expect(bob.latest.codec).to.match(/^(VP8|VP9|H264|AV1)$/);
    expect(bob.latest.resolution!.width).to.be.greaterThan(0);
    expect(bob.latest.resolution!.height).to.be.greaterThan(0);
    expect(bob.latest.rtt).to.be.at.least(0);
    expect(bob.latest.bitrateOut, 'Alice sends too').to.be.greaterThan(0);
    expect(bob.history.at(-1)).to.equal(bob.latest);
    expect(bob.history.length).to.be.at.most(60_000 / 250 + 1);

    const event = await oneEvent<RtcStatsEvent>(stats, 'rtc-stats');
    expect(event.bubbles && event.composed).to.equal(true);
    expect(event.stats, 'the event carries what the property says').to.equal(stats.stats);
    expect(live(event.stats[key]?.latest)).to.equal(true);
    expect(Object.keys(event.stats)).to.deep.equal([key]);

    await stats.updateComplete;
    const card = shadow(stats, '[part="peer"]');
    expect(card).to.have.length(1);
    expect(card[0]!.getAttribute('aria-label')).to.equal('Statistics for Bob');
    const text = card[0]!.textContent!.replace(/\s+/g, ' ');
    expect(text).to.contain('Direct').and.contain('host/host').and.contain(bob.latest.codec!);
    expect(text).to.match(/\d+×\d+/);
    expect(text).to.match(/\d (kbps|Mbps)/);
  });

  it('draws sparklines of bitrate and loss, described for screen readers', async () => {
    const { alice, stats } = await pair();
    const key = bobKey(alice);
    await waitUntil(
      () => (stats.stats[key]?.history.filter((s) => (s.bitrateIn ?? 0) > 0).length ?? 0) >= 3,
      'three samples with bitrate',
      { timeout: 20_000 },
    );
    await stats.updateComplete;
    const sparklines = shadow(stats, 'svg[part="sparkline"]');
    expect(sparklines).to.have.length(2);
    const [bitrate, loss] = sparklines as [SVGSVGElement, SVGSVGElement];
    expect(bitrate.getAttribute('role')).to.equal('img');
    expect(bitrate.getAttribute('aria-label')).to.match(/^Bitrate over the last minute: [\d.,]+ (kbps|Mbps) in/);
    expect(loss.getAttribute('aria-label')).to.match(/^Packet loss over the last minute: /);
    const lineIn = bitrate.querySelector('polyline.in')!;
    const lineOut = bitrate.querySelector('polyline.out')!;
    expect(lineIn.getAttribute('points')!.split(' ').length).to.be.at.least(3);
    expect(lineOut.getAttribute('points')!.split(' ').length).to.be.at.least(3);
    expect(loss.querySelector('polyline.loss')!.getAttribute('points')!.split(' ').length).to.be.at.least(2);
    // The newest point sits at the right edge.
    expect(lineIn.getAttribute('points')!.split(' ').at(-1)!.split(',')[0]).to.equal('240');
  });

  it('passes an accessibility audit, with figures and when empty', async () => {
    const { alice, stats } = await pair();
    const key = bobKey(alice);
    await waitUntil(() => live(stats.stats[key]?.latest), 'Bob’s figures are live', { timeout: 20_000 });
    await stats.updateComplete;
    await expect(stats).to.be.accessible();
    const empty = await fixture<RtcStats>(html`<rtc-stats></rtc-stats>`);
    await expect(empty).to.be.accessible();
  });

  it('binds to the <rtc-call> it is inside, and says when nobody else is there', async () => {
    const room = uniqueRoom('stats-nested');
    const alice = await fixture<RtcCall>(html`
      <rtc-call room=${room} server=${server} name="Alice" autojoin>
        <rtc-stats interval="250"></rtc-stats>
      </rtc-call>
    `);
    const stats = alice.querySelector('rtc-stats')!;
    await waitUntil(() => alice.state === 'waiting', 'Alice waits alone', { timeout: 15_000 });
    await stats.updateComplete;
    expect(stats.matches(':state(empty)')).to.equal(true);
    expect(shadow(stats, '[part="empty"]')[0]?.textContent?.trim()).to.equal('No one else is in the call yet.');
    expect(await oneEvent<RtcStatsEvent>(stats, 'rtc-stats').then((e) => e.stats)).to.deep.equal({});

    const bob = document.createElement('rtc-call');
    Object.assign(bob, { room, server, name: 'Bob', autojoin: true });
    document.body.append(bob);
    try {
      await waitUntil(() => live(Object.values(stats.stats)[0]?.latest), 'Bob’s figures are live', {
        timeout: 20_000,
      });
      await stats.updateComplete;
      expect(stats.matches(':state(empty)')).to.equal(false);
      expect(Object.values(stats.stats)[0]!.name).to.equal('Bob');
      expect(shadow(stats, '[part="peer"]')).to.have.length(1);
    } finally {
      bob.remove();
    }
  });

  it('says "Not in a call." without a call, and fires nothing', async () => {
    const room = uniqueRoom('stats-alone');
    const root = await fixture<HTMLElement>(html`
      <div>
        <rtc-call id="solo" room=${room} server=${server} name="Solo" autojoin></rtc-call>
        <rtc-stats id="clock" call="solo" interval="50"></rtc-stats>
        <rtc-stats id="idle" call="nobody" interval="50"></rtc-stats>
      </div>
    `);
    const idle = root.querySelector<RtcStats>('#idle')!;
    const clock = root.querySelector<RtcStats>('#clock')!;
    const fired = countEvents(idle);
    expect(shadow(idle, '[part="empty"]')[0]?.textContent?.trim()).to.equal('Not in a call.');
    expect(idle.matches(':state(empty)')).to.equal(true);
    // The other dashboard's rounds are the clock: several pass, this one has nothing to report.
    await events(clock, 4);
    expect(fired.count).to.equal(0);
    expect(idle.stats).to.deep.equal({});
    expect(clock.stats, 'alone in the room').to.deep.equal({});
  });

  it('falls back to the default interval for a bad value, without throwing, and still polls', async () => {
    const { alice, root } = await pair();
    for (const interval of ['banana', '-5', '0', '']) {
      const stats = document.createElement('rtc-stats');
      stats.setAttribute('call', 'alice');
      stats.setAttribute('interval', interval);
      root.append(stats);
      await stats.updateComplete;
      expect(shadow(stats, '[part="base"]')).to.have.length(1);
      const event = await oneEvent<RtcStatsEvent>(stats, 'rtc-stats');
      expect(Object.keys(event.stats), `polls with interval="${interval}"`).to.deep.equal([bobKey(alice)]);
      stats.remove();
    }
    // Set from code, too.
    const stats = root.querySelector<RtcStats>('rtc-stats')!;
    stats.interval = Number.NaN;
    await stats.updateComplete;
    await events(stats, 1);
  });

  it('stops polling when removed, and starts again when put back', async () => {
    const { alice, root, stats } = await pair();
    const other = document.createElement('rtc-stats');
    other.setAttribute('call', 'bob');
    other.setAttribute('interval', '250');
    root.append(other);
    await events(stats, 2);

    const fired = countEvents(stats);
    const watched = alice.provided!.connection(bobKey(alice))!;
    const getStats = RTCPeerConnection.prototype.getStats;
    const read: RTCPeerConnection[] = [];
    stats.remove();
    RTCPeerConnection.prototype.getStats = function (this: RTCPeerConnection, ...args: []) {
      read.push(this);
      return getStats.apply(this, args);
    } as typeof getStats;
    try {
      // The other dashboard's rounds are the clock. A read already under way when the element left may still land
      // in the first; from then on, while four rounds pass, the removed one reads nothing.
      await events(other, 1);
      read.length = 0;
      await events(other, 4);
      expect(fired.count, 'no rtc-stats from a removed element').to.equal(0);
      expect(read.length, 'the other dashboard still reads').to.be.at.least(3);
      expect(read.includes(watched), 'nobody reads Alice’s connection any more').to.equal(false);
    } finally {
      RTCPeerConnection.prototype.getStats = getStats;
    }

    root.append(stats);
    await events(stats, 2);
    expect(fired.count).to.be.at.least(2);
    other.remove();
  });
});

/** A stats report made of plain objects, as getStats() would give. */
const report = (...stats: RtcStat[]): Map<string, RtcStat> => new Map(stats.map((stat) => [stat.id, stat]));

/** A connection receiving VP8 video and opus audio over a host/host pair. */
function connection(
  counters: {
    videoBytes?: number;
    audioBytes?: number;
    sent?: number;
    received?: number;
    lost?: number;
    rtt?: number;
  } = {},
): Map<string, RtcStat> {
  const { videoBytes = 0, audioBytes = 0, sent = 0, received = 0, lost = 0, rtt = 0.012 } = counters;
  return report(
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
    { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', currentRoundTripTime: rtt },
    { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', currentRoundTripTime: 0.5 },
    { id: 'L1', type: 'local-candidate', candidateType: 'host' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'host' },
    { id: 'C1', type: 'codec', mimeType: 'video/VP8' },
    { id: 'C2', type: 'codec', mimeType: 'audio/opus' },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      codecId: 'C1',
      bytesReceived: videoBytes,
      packetsReceived: received,
      packetsLost: lost,
      jitter: 0.004,
      framesPerSecond: 30,
      frameWidth: 640,
      frameHeight: 480,
    },
    {
      id: 'IA',
      type: 'inbound-rtp',
      kind: 'audio',
      codecId: 'C2',
      bytesReceived: audioBytes,
      packetsReceived: 0,
      packetsLost: 0,
      jitter: 0.002,
    },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', bytesSent: sent },
  );
}

describe('sampleStats', () => {
  it('reads what needs no history from the first report, and leaves rates null', () => {
    const { sample, counters } = sampleStats(undefined, connection({ videoBytes: 5000, lost: 3 }), 1000);
    expect(sample).to.deep.equal({
      time: 1000,
      bitrateIn: null,
      bitrateOut: null,
      rtt: 12,
      jitter: 4,
      loss: null,
      fps: 30,
      resolution: { width: 640, height: 480 },
      codec: 'VP8',
      audioCodec: 'opus',
      localCandidateType: 'host',
      remoteCandidateType: 'host',
      connectionType: 'host',
    });
    expect(counters.time).to.equal(1000);
    expect(counters.streams.IV).to.deep.equal({ bytesIn: 5000, received: 0, lost: 3 });
  });

  it('computes bitrates in kbit/s and loss in % over the interval', () => {
    const first = sampleStats(undefined, connection({ videoBytes: 10_000, audioBytes: 1000, sent: 2000 }), 0);
    const next = connection({ videoBytes: 135_000, audioBytes: 6000, sent: 64_500, received: 95, lost: 5 });
    const { sample } = sampleStats(first.counters, next, 1000);
    // (125,000 + 5,000) bytes in 1 s = 1,040 kbit/s; 62,500 bytes out = 500 kbit/s.
    expect(sample.bitrateIn).to.equal(1040);
    expect(sample.bitrateOut).to.equal(500);
    expect(sample.loss).to.equal(5);
  });

  it('scales rates to the real time between reports', () => {
    const first = sampleStats(undefined, connection({ videoBytes: 0 }), 0);
    expect(sampleStats(first.counters, connection({ videoBytes: 31_250 }), 250).sample.bitrateIn).to.equal(1000);
  });

  it('never reports negative loss or bitrate when counters go back', () => {
    const first = sampleStats(undefined, connection({ videoBytes: 50_000, received: 100, lost: 10 }), 0);
    const { sample } = sampleStats(first.counters, connection({ videoBytes: 40_000, received: 200, lost: 8 }), 1000);
    expect(sample.bitrateIn).to.equal(0);
    expect(sample.loss).to.equal(0);
  });

  it('counts a stream that appeared since the last report from zero', () => {
    const first = sampleStats(undefined, report({ id: 'T', type: 'transport' }), 0);
    const next = report({ id: 'IV2', type: 'inbound-rtp', kind: 'video', bytesReceived: 12_500 });
    expect(sampleStats(first.counters, next, 1000).sample.bitrateIn).to.equal(100);
  });

  it('has no loss figure when no packet was due', () => {
    const first = sampleStats(undefined, connection(), 0);
    expect(sampleStats(first.counters, connection(), 1000).sample.loss).to.equal(null);
  });

  it('falls back to remote-inbound-rtp for the round-trip time', () => {
    const { sample } = sampleStats(
      undefined,
      report(
        { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.02 },
        { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', roundTripTime: 0.04 },
      ),
      0,
    );
    expect(sample.rtt).to.be.closeTo(30, 1e-9);
    expect(sample.connectionType).to.equal(null);
  });

  it('names the path by its least direct side', () => {
    const path = (local: string, remote: string) =>
      sampleStats(
        undefined,
        report(
          { id: 'CP', type: 'candidate-pair', selected: true, localCandidateId: 'L', remoteCandidateId: 'R' },
          { id: 'L', type: 'local-candidate', candidateType: local },
          { id: 'R', type: 'remote-candidate', candidateType: remote },
        ),
        0,
      ).sample;
    expect(path('host', 'relay').connectionType).to.equal('relay');
    expect(path('srflx', 'host').connectionType).to.equal('srflx');
    expect(path('prflx', 'host').connectionType).to.equal('prflx');
    expect(path('host', 'host').connectionType).to.equal('host');
    const odd = path('host', 'mystery');
    expect([odd.localCandidateType, odd.remoteCandidateType, odd.connectionType]).to.deep.equal(['host', null, 'host']);
  });

  it('reads nothing from an empty report', () => {
    const { sample } = sampleStats(undefined, report(), 5);
    expect(Object.entries(sample).filter(([, value]) => value !== null)).to.deep.equal([['time', 5]]);
  });
});

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).to.deep.equal([]);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).to.deep.equal([3, 4, 5]);
    expect(ring.last).to.equal(5);
    expect(ring.length).to.equal(3);
  });

  it('resizes, keeping the newest', () => {
    const ring = new RingBuffer<number>(4);
    for (const n of [1, 2, 3, 4, 5, 6]) ring.push(n);
    ring.resize(2);
    expect(ring.toArray()).to.deep.equal([5, 6]);
    ring.resize(3);
    ring.push(7);
    ring.push(8);
    expect(ring.toArray()).to.deep.equal([6, 7, 8]);
    expect(new RingBuffer(0).capacity).to.equal(1);
    expect(new RingBuffer(Number.NaN).capacity).to.equal(1);
  });
});

describe('sparklinePoints', () => {
  const box = { width: 100, height: 20 };

  it('places the newest point at the right edge and scales to the maximum', () => {
    const series = [
      { time: 0, value: 0 },
      { time: 500, value: 5 },
      { time: 1000, value: 10 },
    ];
    expect(sparklinePoints(series, 1000, 1000, 10, box)).to.deep.equal(['0,20 50,10 100,0']);
  });

  it('breaks the line where a value is missing, and drops points outside the window', () => {
    const series = [
      { time: -500, value: 1 },
      { time: 0, value: 1 },
      { time: 250, value: null },
      { time: 500, value: 2 },
      { time: 1000, value: 2 },
    ];
    expect(sparklinePoints(series, 1000, 1000, 2, box)).to.deep.equal(['0,10', '50,0 100,0']);
  });
});
