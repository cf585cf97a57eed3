import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { Relay } from '../../server/index.js';

// What `npm start` serves: the relay with the demo at / and the built kit at /dist/.
let relay: Relay;
let browser: Browser;
let origin: string;

before(async () => {
  relay = new Relay({ port: 0, static: 'demo', kitDir: 'dist', logLevel: 'warn' });
  const { port } = await relay.listen();
  origin = `http://localhost:${port}`;
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  await relay?.close();
});

// Background tabs get no animation frames, so every wait polls on an interval instead of puppeteer's default rAF.
const poll = { polling: 50, timeout: 20_000 };

/** Opens the demo and returns the page once its own camera shows. */
async function openDemo(hash = ''): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.setViewport({ width: 1100, height: 700 });
  await page.goto(`${origin}/${hash}`);
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>('#local')?.videoWidth ?? 0) > 0, poll);
  return page;
}

/** Waits until `page` shows `count` remote tiles whose video really plays. */
function remotePlaying(page: Page, count: number): Promise<unknown> {
  return page.waitForFunction(
    (n) => {
      const videos = [...document.querySelectorAll<HTMLVideoElement>('.tile.remote video')];
      return videos.length === n && videos.every((v) => v.videoWidth > 0 && v.currentTime > 0);
    },
    poll,
    count,
  );
}

describe('#demo', () => {
  it('puts two tabs opened at / in the same room, each seeing the other', async () => {
    const first = await openDemo();
    const second = await openDemo();
    await remotePlaying(first, 1);
    await remotePlaying(second, 1);
    assert.match(await first.$eval('#status', (el) => el.textContent ?? ''), /In call with 1 other/);
    assert.equal(await first.$eval('#room', (el) => el.textContent), 'lobby');
    assert.deepEqual(await (await fetch(`${origin}/healthz`)).json(), { ok: true, rooms: 1, peers: 2 });
    mkdirSync('test/screenshots', { recursive: true });
    await second.screenshot({ path: 'test/screenshots/demo-basic.png' });

    await second.close();
    await first.waitForFunction(() => document.querySelectorAll('.tile.remote').length === 0, poll);
    assert.match(await first.$eval('#status', (el) => el.textContent ?? ''), /Waiting/);
    await first.close();
  });

  it('keeps rooms from the URL hash apart', async () => {
    const a = await openDemo('#room-a');
    const b = await openDemo('#room-b');
    await a.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('Waiting'), poll);
    await b.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('Waiting'), poll);
    assert.deepEqual(await (await fetch(`${origin}/healthz`)).json(), { ok: true, rooms: 2, peers: 2 });
    assert.equal(await a.$$eval('.tile.remote', (tiles) => tiles.length), 0);
    await a.close();
    await b.close();
  });

  it('serves the kit bundle at /dist/rtc-kit.js', async () => {
    const response = await fetch(`${origin}/dist/rtc-kit.js`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /parseServerMessage|export/);
  });
});
