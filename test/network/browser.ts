/**
 * Chromium inside a network namespace, and the call page (test/network/call.html) it opens.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { BasicCall } from '../../demo/basic-call.js';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import type { NetnsRelay } from './relay.js';

const WRAPPER = fileURLToPath(new URL('../../scripts/netns-chromium.sh', import.meta.url));

/** Which byte count of a {@link Sample} a bit rate is computed from. */
export type RateKind = 'sent' | 'retransmitted' | 'received';

/** One getStats() reading of the call page's sampler. */
export interface Sample {
  /** performance.now() in the page, ms. */
  t: number;
  /** Video payload bytes sent for the first time (outbound-rtp bytesSent − retransmittedBytesSent). */
  sent: number;
  /** Video payload bytes sent again after a loss (outbound-rtp retransmittedBytesSent). */
  retransmitted: number;
  /** Video payload bytes received (inbound-rtp bytesReceived). */
  received: number;
  framesDecoded: number;
  /** The congestion controller's send estimate, bit/s (the selected candidate pair's availableOutgoingBitrate). */
  availableOutgoingBitrate?: number;
}

/** What the call page joins with. */
export interface JoinOptions {
  room: string;
  /** Published to the other peer as `meta.name`, and used to label page errors. */
  name: string;
  /**
   * `noise` (default): 640x360 random noise, which takes every bit the link gives it; `camera`: Chromium's fake
   * camera, whose simple picture needs only about 300 kbit/s.
   */
  video?: 'noise' | 'camera';
}

/** What test/network/call.html puts on `window`. */
export interface CallPageApi {
  call: BasicCall;
  stream: MediaStream;
  /** Errors joinBasicCall reported. */
  errors: string[];
  /** One reading every 200 ms, oldest first. */
  samples: Sample[];
  /**
   * Video kbit/s (payload) over the last `windowMs` (default 2000) of samples taken at or after `since` (default 0),
   * once they span that long.
   */
  rate(kind: RateKind, since?: number, windowMs?: number): number | undefined;
}

declare global {
  interface Window {
    rtcq?: CallPageApi;
    rtcqJoin?: (options: JoinOptions) => Promise<void>;
  }
}

/** Waits poll on an interval, as a page without focus gets no animation frames. The timeout is a safety net. */
const poll = { polling: 100, timeout: 20_000 };

/**
 * Launches headless Chromium inside namespace `ns` (through scripts/netns-chromium.sh, over pipes), with
 * {@link CHROMIUM_ARGS}, host ICE candidates carrying the real addresses instead of mDNS names, and each of
 * `secureOrigins` treated as secure so that plain-http pages there may use the camera.
 *
 * @example
 * const browser = await launchInNetns(link.b.ns, { secureOrigins: [relay.origin] });
 */
export async function launchInNetns(
  ns: string,
  { secureOrigins = [], args = [] }: { secureOrigins?: string[]; args?: string[] } = {},
): Promise<Browser> {
  const chromium = findChromium();
  if (!chromium) throw new Error('No Chromium found: run `node scripts/chromium.mjs --ensure` or set CHROME_PATH');
  return puppeteer.launch({
    executablePath: WRAPPER,
    pipe: true,
    headless: true,
    env: { ...process.env, RTC_NETNS: ns, CHROME_PATH: chromium },
    args: [
      ...CHROMIUM_ARGS,
      // No other namespace could resolve an mDNS name: candidates must carry the veth addresses.
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...(secureOrigins.length ? [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`] : []),
      ...args,
    ],
  });
}

/**
 * Opens test/network/call.html (the relay serves it at /call.html) in `browser` and joins `options.room` with the
 * fake microphone and noise or the fake camera ({@link JoinOptions}). Resolves once the relay has welcomed the
 * page; {@link waitForVideo} waits for the media.
 * The browser must treat `relay.origin` as secure ({@link launchInNetns}'s `secureOrigins`).
 *
 * @example
 * const page = await openCallPage(browser, relay, { room: 'shaping', name: 'b' });
 */
export async function openCallPage(browser: Browser, relay: NetnsRelay, options: JoinOptions): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`[${options.name}] page error:`, error));
  await page.goto(`${relay.origin}/call.html`);
  await page.waitForFunction(() => window.rtcqJoin !== undefined, poll);
  await page.evaluate((options) => window.rtcqJoin?.(options), options);
  return page;
}

/** Waits until `page` decodes remote video: frames decoded, and more of them than at an earlier sample. */
export async function waitForVideo(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const samples = window.rtcq?.samples ?? [];
    const last = samples.at(-1)?.framesDecoded ?? 0;
    return samples.some((s) => s.framesDecoded > 0 && s.framesDecoded < last);
  }, poll);
}

/** The call page's latest stats sample, or undefined before the first. */
export function lastSample(page: Page): Promise<Sample | undefined> {
  return page.evaluate(() => window.rtcq?.samples.at(-1));
}

/** `performance.now()` in `page`: a `since` for {@link waitForBitrate}. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/**
 * Waits until `page`'s video bit rate (`sent` or `received`), measured over `windowMs` of samples all taken at or
 * after `since` (a {@link pageNow}), is below `below` and/or above `above` kbit/s, and resolves with it. After
 * `timeoutMs` it fails with the last figure measured.
 *
 * @example
 * const since = await pageNow(b);
 * await shape(link.b.ns, link.b.dev, { rateKbit: 300 });
 * const kbps = await waitForBitrate(b, 'sent', { since, below: 350 });
 */
export async function waitForBitrate(
  page: Page,
  kind: RateKind,
  {
    since = 0,
    windowMs = 2000,
    below,
    above,
    timeoutMs = 20_000,
  }: { since?: number; windowMs?: number; below?: number; above?: number; timeoutMs?: number },
): Promise<number> {
  // null, not undefined or Infinity: the arguments cross to the page as JSON.
  const args = { kind, since, windowMs, below: below ?? null, above: above ?? null };
  try {
    const handle = await page.waitForFunction(
      ({ kind, since, windowMs, below, above }) => {
        const kbps = window.rtcq?.rate(kind, since, windowMs);
        if (kbps === undefined || (below !== null && kbps >= below) || (above !== null && kbps <= above)) return false;
        return { kbps };
      },
      { polling: 100, timeout: timeoutMs },
      args,
    );
    const result = await handle.jsonValue();
    if (!result) throw new Error('unreachable: waitForFunction resolved with a falsy value');
    return result.kbps;
  } catch (error) {
    const last = await page.evaluate(({ kind, since, windowMs }) => window.rtcq?.rate(kind, since, windowMs), args);
    const wanted = [below !== undefined && `below ${below}`, above !== undefined && `above ${above}`].filter(Boolean);
    throw new Error(
      `${kind} video bit rate did not go ${wanted.join(' and ')} kbit/s within ${timeoutMs} ms; ` +
        `last ${windowMs} ms: ${last === undefined ? 'not measured yet' : `${Math.round(last)} kbit/s`}`,
      { cause: error },
    );
  }
}
