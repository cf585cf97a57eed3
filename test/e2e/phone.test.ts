// The demo on a phone-sized screen (390 × 844 CSS px, an iPhone 12–15's), in Chromium and in Firefox: nothing
// may stick out sideways, on the join card or in a call with the chat open. Saves test/screenshots/demo-phone*.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { Relay } from '../../server/index.js';
import { joinDemo, launch, newPage, poll, startDemoRelay } from './browsers.js';

const PHONE = { width: 390, height: 844 };

/**
 * What sticks out past the right edge of the viewport: the page's own scroll width, and every element (shadow
 * roots included) whose box ends past it, as `tag.class` names.
 */
function overflow(page: Page): Promise<{ scrollWidth: number; width: number; outside: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const outside: string[] = [];
    // A stack, not a recursive helper: tsx wraps named functions in a __name() the page does not have.
    const roots: (Document | ShadowRoot)[] = [document];
    for (let root = roots.pop(); root; root = roots.pop())
      for (const el of root.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 0.5) outside.push(`${el.localName}.${el.getAttribute('class') ?? ''}`);
        if (el.shadowRoot) roots.push(el.shadowRoot);
      }
    return { scrollWidth: document.documentElement.scrollWidth, width, outside };
  });
}

/**
 * Asserts that nothing in `page` sticks out sideways. The viewport's width is the client width, which a classic
 * scrollbar (Firefox's, here) makes narrower than the 390 px window.
 */
async function assertFits(page: Page): Promise<void> {
  const { scrollWidth, width, outside } = await overflow(page);
  assert.ok(width <= PHONE.width && width >= PHONE.width - 20, `viewport ${width} px wide`);
  assert.deepEqual(outside, [], 'elements past the right edge');
  assert.equal(scrollWidth, width, 'the page scrolls sideways');
}

let relay: Relay;
let origin: string;
before(async () => {
  ({ relay, origin } = await startDemoRelay());
});
after(() => relay?.close());

for (const name of ['chromium', 'firefox'] as const) {
  describe(`#phone: the demo at 390 px in ${name}`, () => {
    let browser: Browser;
    let pages: Page[];
    before(async () => {
      browser = await launch(name);
      pages = [];
    });
    after(() => browser?.close());

    it('shows the join card and the header without horizontal overflow', async () => {
      const page = await newPage(browser, PHONE);
      pages.push(page);
      await page.goto(`${origin}/#phone-${name}`);
      await assertFits(page);
      if (name === 'chromium') {
        mkdirSync('test/screenshots', { recursive: true });
        await page.screenshot({ path: 'test/screenshots/demo-phone-join.png' });
      }
    });

    it('fits a two-person call, its controls and the open chat, with no horizontal overflow', async () => {
      const [first] = pages;
      await joinDemo(first!, `${origin}/#phone-${name}`, 'Ada Lovelace');
      const second = await newPage(browser, PHONE);
      pages.push(second);
      await joinDemo(second, `${origin}/#phone-${name}`, 'Grace Brewster Murray Hopper');
      // A tab in the background gets no frames: each is brought to the front before it is asked anything.
      for (const page of pages) {
        await page.bringToFront();
        await page.waitForFunction(() => {
          const call = document.querySelector('rtc-call');
          const video = call?.shadowRoot
            ?.querySelector('rtc-video:not([peer="local"])')
            ?.shadowRoot?.querySelector('video');
          return call?.getAttribute('state') === 'in-call' && (video?.videoWidth ?? 0) > 0;
        }, poll);
      }
      await assertFits(first!);
      await first!.bringToFront();
      await first!.click('#toggle-chat');
      await first!.click('#toggle-stats');
      await first!.waitForFunction(
        () => document.querySelector('rtc-stats')?.shadowRoot?.textContent?.includes('Grace'),
        poll,
      );
      await assertFits(first!);
      if (name === 'chromium') {
        await first!.evaluate(() => window.scrollTo(0, 0));
        await first!.waitForFunction(() => document.getAnimations().length === 0, poll);
        await first!.screenshot({ path: 'test/screenshots/demo-phone.png' });
      }
    });
  });
}
