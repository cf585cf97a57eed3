import { expect, waitUntil } from '@open-wc/testing';
import { joinBasicCall, type BasicCall } from '../../demo/basic-call.js';
import { cdp, hasCdp, relayUrl, uniqueRoom } from './commands.js';

const cdpAvailable = await hasCdp();

/** Video frames decoded by `call` from its first remote peer, read from getStats(). */
async function framesDecoded(call: BasicCall): Promise<number> {
  const [pc] = call.peers.values();
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
  });
  return frames;
}

describe('smoke', () => {
  const calls: BasicCall[] = [];
  afterEach(() => {
    for (const call of calls.splice(0)) call.leave();
  });

  it('connects two peer connections through the relay and decodes fake-camera frames both ways', async () => {
    const server = await relayUrl();
    expect(server).to.match(/^ws:\/\/127\.0\.0\.1:\d+\/signal$/);
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const room = uniqueRoom('smoke');
    const alice = joinBasicCall({ server, room, stream, meta: { name: 'Alice' } });
    calls.push(alice);
    await alice.joined;
    const bob = joinBasicCall({ server, room, stream: stream.clone(), meta: { name: 'Bob' } });
    calls.push(bob);
    await waitUntil(
      async () => (await framesDecoded(alice)) > 0 && (await framesDecoded(bob)) > 0,
      'frames flow both ways',
      {
        timeout: 15_000,
        interval: 50,
      },
    );
    expect([...alice.peers.values()][0]!.connectionState).to.equal('connected');
    for (const track of stream.getTracks()) track.stop();
  });
});

describe('cdp command', () => {
  if (!cdpAvailable) {
    it('says, in a browser without the DevTools Protocol, that it needs Chromium', async () => {
      let error: unknown;
      try {
        await cdp('Runtime.evaluate', { expression: '6 * 7' });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/cdp needs Chromium: the Chrome DevTools Protocol is not available in Firefox/);
    });
    return;
  }
  const clear = { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
  afterEach(() => cdp('Network.emulateNetworkConditions', clear));

  it('runs DevTools Protocol methods on the test page', async () => {
    const { result } = await cdp<{ result: { value: number } }>('Runtime.evaluate', { expression: '6 * 7' });
    expect(result.value).to.equal(42);
  });

  it('shapes the page’s new requests with Network.emulateNetworkConditions', async () => {
    // Going offline would also cut the test runner's own socket, so this adds latency instead.
    await cdp('Network.enable');
    await cdp('Network.emulateNetworkConditions', { ...clear, latency: 400 });
    const start = performance.now();
    await fetch(`/package.json?nocache=${Date.now()}`, { cache: 'no-store' });
    expect(performance.now() - start).to.be.at.least(400);
  });

  it('reports a CDP error to the test', async () => {
    let error: unknown;
    try {
      await cdp('No.suchMethod');
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/No\.suchMethod|not found/);
  });
});
