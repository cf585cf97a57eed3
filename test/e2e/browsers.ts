// Browsers for the end-to-end tests: each participant in a browser process of its own, Chromium or Firefox,
// on the demo that `npm start` serves.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { firefoxLaunchOptions, tolerateViewport } from '../../scripts/firefox.mjs';
import { Relay } from '../../server/index.js';

export type BrowserName = 'chromium' | 'firefox';

/** Background tabs get no animation frames, so every wait polls on an interval instead of puppeteer's default rAF. */
export const poll = { polling: 100, timeout: 30_000 };

/** Launches a headless `name` with a fake camera and microphone that may play sound without a click. */
export function launch(name: BrowserName): Promise<Browser> {
  if (name === 'firefox') return puppeteer.launch(firefoxLaunchOptions());
  return puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
}

/** The relay with the demo at / and the built kit at /dist/, as `npm start` runs it. */
export async function startDemoRelay(): Promise<{ relay: Relay; origin: string }> {
  const relay = new Relay({ port: 0, static: 'demo', kitDir: 'dist', logLevel: 'warn' });
  const { port } = await relay.listen();
  return { relay, origin: `http://localhost:${port}` };
}

/** A new page of `browser` whose `setViewport` works in Firefox too, and that reports its errors. */
export async function newPage(browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = tolerateViewport(await browser.newPage());
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.setViewport(viewport);
  return page;
}

/** Opens the demo at `url`, types `name` into the join card and joins, as a person would. */
export async function joinDemo(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.$eval('#name', (input) => ((input as HTMLInputElement).value = ''));
  await page.type('#name', name);
  await page.click('#lobby button[type="submit"]');
  await page.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') !== 'idle', poll);
}
