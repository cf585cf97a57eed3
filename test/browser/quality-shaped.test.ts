// The quality machine on a link shaped with the Chrome DevTools Protocol (Network.emulateNetworkConditions):
// Chromium only, so the Firefox group of web-test-runner.config.mjs leaves this file out. The network suite
// (test/network/) shapes a real link with tc, which works for any browser.
import { expect, waitUntil } from '@open-wc/testing';
import { createCall, DEFAULT_LEVELS, type Call, type QualityLevel } from '../../src/index.js';
import { cdp, relayUrl, uniqueRoom } from './commands.js';
import { encoding, level, stats } from './quality-fixtures.js';

const calls: Call[] = [];
let server = '';

before(async () => {
  server = await relayUrl();
});

afterEach(async () => {
  for (const call of calls.splice(0)) {
    call.leave();
    call.dispose();
  }
  await cdp('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
    packetLoss: 0,
  });
});

describe('quality machine in a real call', () => {
  it('leaves high within 4 s of connecting on a 300 kbps, 5 %-loss, 150 ms link, and really sends less', async () => {
    await cdp('Network.enable');
    // Set before the peer connections exist: it only shapes connections created after it.
    await cdp('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: 300_000 / 8,
      uploadThroughput: 300_000 / 8,
      packetLoss: 5,
    });
    const room = uniqueRoom('impaired');
    const [alice, bob] = ['Alice', 'Bob'].map((name) => createCall({ server, room, meta: { name } })) as [Call, Call];
    calls.push(alice, bob);
    const levels: { level: QualityLevel; reason: string; at: number }[] = [];
    let connected = 0;
    alice.on('quality', ({ level, reason }) => levels.push({ level, reason, at: performance.now() }));
    alice.on('peer-connected', () => (connected = performance.now()));
    alice.join();
    bob.join();
    await waitUntil(() => connected && level(alice) !== 'high', 'connected, then leaves high', {
      timeout: 20_000,
      interval: 50,
    });
    const left = levels.find((entry) => entry.level !== 'high')!;
    console.log(`left high ${Math.round(left.at - connected)} ms after connecting (${left.reason})`);
    expect(left.at - connected).to.be.below(4000);
    expect(left.reason).to.be.oneOf(['bandwidth', 'rtt', 'loss']);
    // The sender really was told, and the encoder really follows.
    await waitUntil(() => (encoding(alice).maxBitrate ?? Infinity) <= DEFAULT_LEVELS.medium.maxBitrate, 'capped', {
      timeout: 5000,
    });
    expect(encoding(alice).scaleResolutionDownBy).to.be.at.least(2);
    const outboundWidth = async (): Promise<number> =>
      (await stats(alice)).find((s) => s.type === 'outbound-rtp' && s.kind === 'video')?.frameWidth as number;
    await waitUntil(async () => (await outboundWidth()) <= 320, 'smaller frames', {
      timeout: 10_000,
      interval: 200,
    });
  });
});
