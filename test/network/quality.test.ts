import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { startNetworkCall, type NetworkCall } from './call.js';
import { netnsSkipReason, shape, unshape } from './netns.js';
import type { NetnsRelay } from './relay.js';

const skip = netnsSkipReason();

/**
 * Below high's need (500 kbit/s), well above medium's (180 kbit/s). Close to the need, so that once the link is free
 * the browser's estimate soon climbs past medium's 500 kbit/s cap: recovery is then the ten good samples a step up
 * takes, plus that climb.
 */
const SHAPED_KBIT = 450;
/** The bound on recovery once the link is free again. */
const RECOVERY_MS = 15_000;

interface QualityPage {
  level(): string | undefined;
  connected(): boolean;
  changes: { level: string; reason: string; at: number }[];
  samples: (Record<string, number | string | undefined> & {
    at: number;
    level: string;
    availableBitrate?: number;
    loss?: number;
    rtt?: number;
    limitation?: string;
    bitrate?: number;
  })[];
}
declare global {
  interface Window {
    rtcqQuality?: QualityPage;
    rtcqQualityJoin?: (options: { room: string; name: string }) => void;
  }
}

const poll = (timeout: number) => ({ polling: 100, timeout });

/** Opens test/network/quality.html (rtc-kit, quality auto, noise for a camera) and joins; resolves once connected. */
async function openQualityPage(browser: Browser, relay: NetnsRelay, options: { room: string; name: string }) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`[${options.name}] page error:`, error));
  await page.goto(`${relay.origin}/quality.html`);
  await page.waitForFunction(() => window.rtcqQualityJoin !== undefined, poll(10_000));
  await page.evaluate((options) => window.rtcqQualityJoin?.(options), options);
  await page.waitForFunction(() => window.rtcqQuality?.connected(), poll(20_000));
  return page;
}

const level = (page: Page): Promise<string | undefined> => page.evaluate(() => window.rtcqQuality?.level());

describe('#adaptive quality on a live link', { skip, timeout: 120_000 }, () => {
  let net: NetworkCall;

  before(async () => {
    net = await startNetworkCall({ room: 'quality', open: openQualityPage });
  });
  after(async () => {
    await net?.close();
  });

  it(`steps down when b's link is cut to ${SHAPED_KBIT} kbit/s, and is back at high within 15 s of lifting`, async () => {
    const { b } = net;
    await b.page.waitForFunction(() => window.rtcqQuality?.level() === 'high', poll(20_000));

    await shape(b.end.ns, b.end.dev, { rateKbit: SHAPED_KBIT });
    await b.page.waitForFunction(() => window.rtcqQuality?.level() !== 'high', poll(30_000));
    const down = await b.page.evaluate(() => window.rtcqQuality?.changes.at(-1));
    console.log(`shaped to ${SHAPED_KBIT} kbit/s: b steps down to ${down?.level} (${down?.reason})`);

    await unshape(b.end.ns, b.end.dev);
    const liftedAt = await b.page.evaluate(() => performance.now());
    await b.page.waitForFunction(() => window.rtcqQuality?.level() === 'high', poll(RECOVERY_MS + 15_000));
    const back = await b.page.evaluate(() => window.rtcqQuality?.changes.at(-1));
    const took = (back?.at ?? Infinity) - liftedAt;
    const path = await b.page.evaluate(() => window.rtcqQuality?.changes.map((c) => `${c.level} (${c.reason})`));
    console.log(`lifted: back at high after ${Math.round(took)} ms; levels: ${path?.join(' → ')}`);
    // What the quality machine saw since the lift, for the failure message.
    const samples = await b.page.evaluate(
      (since) =>
        window.rtcqQuality?.samples
          .filter((s) => s.at > since)
          .map((s) => ({
            t: Math.round(s.at - since),
            level: s.level,
            avail: s.availableBitrate,
            loss: s.loss,
            rtt: s.rtt,
          })),
      liftedAt,
    );
    assert.ok(
      took < RECOVERY_MS,
      `back at high after ${Math.round(took)} ms, more than ${RECOVERY_MS}:\n${samples?.map((s) => JSON.stringify(s)).join('\n')}`,
    );
    assert.equal(await level(b.page), 'high');
  });
});
