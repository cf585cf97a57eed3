import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { Relay } from '../../server/index.js';
import { launch, startDemoRelay } from './browsers.js';

// What `npm start` serves: the relay with the demo at / and the built kit at /dist/.
let relay: Relay;
let browser: Browser;
let origin: string;

before(async () => {
  ({ relay, origin } = await startDemoRelay());
  browser = await launch('chromium');
});
after(async () => {
  await browser?.close();
  await relay?.close();
});

// Background tabs get no animation frames, so every wait polls on an interval instead of puppeteer's default rAF.
const poll = { polling: 50, timeout: 20_000 };

/** Opens the demo, joins under `name`, and returns the page once its own camera shows. */
async function openDemo(name: string, hash = ''): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${origin}/${hash}`);
  // Tabs share localStorage, so the name the last tab used is already filled in.
  await page.$eval('#name', (input) => ((input as HTMLInputElement).value = ''));
  await page.type('#name', name);
  await page.click('#lobby button[type="submit"]');
  await page.waitForFunction(() => {
    const tile = document.querySelector('rtc-call')?.shadowRoot?.querySelector('rtc-video[peer="local"]');
    return (tile?.shadowRoot?.querySelector('video')?.videoWidth ?? 0) > 0;
  }, poll);
  return page;
}

/** Waits until `page` shows `count` remote tiles whose video really plays. */
function remotePlaying(page: Page, count: number): Promise<unknown> {
  return page.waitForFunction(
    (n) => {
      const tiles = [...(document.querySelector('rtc-call')?.shadowRoot?.querySelectorAll('rtc-video') ?? [])];
      const remote = tiles.filter((tile) => tile.getAttribute('peer') !== 'local');
      const videos = remote.map((tile) => tile.shadowRoot?.querySelector('video'));
      return videos.length === n && videos.every((v) => v && v.videoWidth > 0 && v.currentTime > 0);
    },
    poll,
    count,
  );
}

/** The call's state, as its reflected attribute says. */
const callState = (page: Page): Promise<string | null> => page.$eval('rtc-call', (call) => call.getAttribute('state'));

describe('#demo', () => {
  it('puts two tabs opened at / in the same room, each seeing the other', async () => {
    const first = await openDemo('Ada Lovelace');
    const second = await openDemo('Grace Hopper');
    await remotePlaying(first, 1);
    await remotePlaying(second, 1);
    assert.equal(await callState(first), 'in-call');
    assert.equal(await first.$eval('#room', (el) => el.textContent), 'lobby');
    assert.deepEqual(await (await fetch(`${origin}/healthz`)).json(), { ok: true, rooms: 1, peers: 2 });
    mkdirSync('test/screenshots', { recursive: true });
    // Chat from one tab to the other, through the demo's own panel. Clicks need the tab in front, as for a person.
    await first.bringToFront();
    await first.click('#toggle-chat');
    await first.keyboard.type('Hello from Ada');
    await first.keyboard.press('Enter');
    await second.waitForFunction(() => document.querySelector('#unread')?.textContent === '1', poll);
    await second.bringToFront();
    await second.click('#toggle-chat');
    await second.waitForFunction(
      () => document.querySelector('rtc-chat')?.shadowRoot?.textContent?.includes('Hello from Ada'),
      poll,
    );
    await second.click('#toggle-stats');
    await second.waitForFunction(
      () => document.querySelector('rtc-stats')?.shadowRoot?.textContent?.includes('Ada Lovelace'),
      poll,
    );
    await second.waitForFunction(() => document.getAnimations().length === 0, poll);
    await second.screenshot({ path: 'test/screenshots/demo-light.png' });
    await second.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    // Colours change with a short transition: shoot once it is over.
    await second.waitForFunction(() => document.getAnimations().length === 0, poll);
    await second.screenshot({ path: 'test/screenshots/demo-dark.png' });

    await second.close();
    await first.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') === 'waiting', poll);
    await first.close();
  });

  it('keeps rooms from the URL hash apart', async () => {
    const a = await openDemo('A', '#room-a');
    const b = await openDemo('B', '#room-b');
    for (const page of [a, b])
      await page.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') === 'waiting', poll);
    assert.deepEqual(await (await fetch(`${origin}/healthz`)).json(), { ok: true, rooms: 2, peers: 2 });
    await a.close();
    await b.close();
  });

  it('serves the kit bundle at /dist/rtc-kit.js', async () => {
    const response = await fetch(`${origin}/dist/rtc-kit.js`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /rtc-call/);
  });

  it('makes a call from a newcomer’s plain page holding only the two lines of the README', async () => {
    const site = mkdtempSync(join(tmpdir(), 'rtc-plain-'));
    writeFileSync(
      join(site, 'index.html'),
      `<script type="module" src="${origin}/dist/rtc-kit.js"></script>\n` +
        `<rtc-call room="standup" server="${origin.replace('http', 'ws')}/signal" autojoin></rtc-call>\n`,
    );
    const page = new Relay({ port: 0, static: site, logLevel: 'warn' });
    const { port } = await page.listen();
    try {
      const tabs = [await browser.newPage(), await browser.newPage()];
      for (const tab of tabs) await tab.goto(`http://localhost:${port}/`);
      for (const tab of tabs) await remotePlaying(tab, 1);
      for (const tab of tabs) assert.equal(await callState(tab), 'in-call');
      for (const tab of tabs) await tab.close();
    } finally {
      await page.close();
    }
  });
});
