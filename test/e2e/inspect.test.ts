import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { Relay } from '../../server/index.js';
import { launch, startDemoRelay } from './browsers.js';

// The bug-report flow of docs/inspector.md, end to end: a user in a call opens the inspector (Ctrl+Alt+I in the
// demo), clicks Export trace and sends the file; the developer opens the relay's /inspect page and drops or opens
// the file, and sees the call's last states replayed. Also saves the inspector's screenshots, light and dark.
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

const poll = { polling: 50, timeout: 20_000 };

async function openDemo(name: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${origin}/`);
  await page.$eval('#name', (input) => ((input as HTMLInputElement).value = ''));
  await page.type('#name', name);
  await page.click('#lobby button[type="submit"]');
  return page;
}

/** For every chart the inspector on `page` shows: the actor path and the ids of its highlighted states. */
function chartStates(page: Page, selector = 'rtc-inspector'): Promise<Record<string, string[]>> {
  return page.$eval(selector, (inspector) =>
    Object.fromEntries(
      [...inspector.shadowRoot!.querySelectorAll('[part~="chart"]')].map((chart) => [
        chart.getAttribute('data-actor-path')!,
        [...chart.querySelectorAll('g.state.active')].map((g) => g.getAttribute('data-state-id')!).sort(),
      ]),
    ),
  );
}

/** The inspector's element handle inside its shadow root. */
async function inShadow(page: Page, host: string, selector: string): Promise<ElementHandle<Element>> {
  const handle = await page.evaluateHandle(
    (h, s) => document.querySelector(h)!.shadowRoot!.querySelector(s),
    host,
    selector,
  );
  const element = handle.asElement();
  assert.ok(element, `${host} has ${selector}`);
  return element as ElementHandle<Element>;
}

describe('#inspect', () => {
  it('exports a trace from a live call and replays it in the relay’s viewer, with the same final states', async () => {
    const first = await openDemo('Ada Lovelace');
    const second = await openDemo('Grace Hopper');
    for (const page of [first, second])
      await page.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') === 'in-call', poll);
    await second.bringToFront();
    // Ctrl+Alt+I opens the demo's inspector.
    await second.keyboard.down('Control');
    await second.keyboard.down('Alt');
    await second.keyboard.press('KeyI');
    await second.keyboard.up('Alt');
    await second.keyboard.up('Control');
    await second.waitForFunction(
      () =>
        document
          .querySelector('rtc-inspector')
          ?.shadowRoot?.querySelector('[data-machine="peer"] g.state.active[data-state-id="peer.connected"]'),
      poll,
    );
    await second.waitForFunction(
      () =>
        document.querySelector('rtc-inspector')?.shadowRoot?.querySelector('[data-machine="quality"] g.state.active'),
      poll,
    );

    // The screenshots of the inspector during the call, light and dark.
    mkdirSync('test/screenshots', { recursive: true });
    const inspector = (await second.$('rtc-inspector'))!;
    await inspector.evaluate((el) => el.scrollIntoView());
    await second.waitForFunction(() => document.getAnimations().length === 0, poll);
    await inspector.screenshot({ path: 'test/screenshots/inspector-light.png' });
    await second.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await second.waitForFunction(() => document.getAnimations().length === 0, poll);
    await inspector.screenshot({ path: 'test/screenshots/inspector-dark.png' });
    await second.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);

    // The user clicks Export trace: the browser saves the file.
    const downloads = mkdtempSync(join(tmpdir(), 'rtc-trace-'));
    const cdp = await second.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    // The call goes on while the file is made: compare the states that do not move in a steady call.
    const steady = (states: Record<string, string[]>): Record<string, string[]> =>
      Object.fromEntries(Object.entries(states).filter(([path]) => !/quality|sampler/.test(path)));
    const live = steady(await chartStates(second));
    await (await inShadow(second, 'rtc-inspector', '[part~="export"]')).click();
    const saved = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const look = (): void => {
        const file = readdirSync(downloads).find((name) => /^rtc-trace-.*\.json$/.test(name));
        if (file && existsSync(join(downloads, file))) resolve(join(downloads, file));
        else if (Date.now() - started > 20_000) reject(new Error('no trace was saved'));
        else setTimeout(look, 50);
      };
      look();
    });
    await new Promise<void>((resolve) => {
      // A download is written, then renamed: wait until it parses.
      const parses = (): void => {
        try {
          JSON.parse(readFileSync(saved, 'utf8'));
          resolve();
        } catch {
          setTimeout(parses, 50);
        }
      };
      parses();
    });
    const trace = JSON.parse(readFileSync(saved, 'utf8'));
    assert.equal(trace.format, 'rtc-kit-trace');
    assert.ok(Object.keys(live).some((path) => path.startsWith('call/peer:')));

    // The developer opens /inspect and opens the file.
    const viewer = await browser.newPage();
    viewer.on('pageerror', (error) => console.error('viewer error:', error));
    await viewer.setViewport({ width: 1280, height: 900 });
    const response = await viewer.goto(`${origin}/inspect`);
    assert.equal(response?.status(), 200);
    assert.equal(await viewer.title(), 'rtc-kit trace viewer');
    await viewer.waitForFunction(
      () => document.querySelector('rtc-inspector')?.shadowRoot?.querySelector('input[type="file"]'),
      poll,
    );
    const input = (await inShadow(viewer, 'rtc-inspector', 'input[type="file"]')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(saved);
    await viewer.waitForFunction(() => document.querySelector('rtc-inspector')?.matches(':state(replay)'), poll);
    await viewer.waitForFunction(
      () => (document.querySelector('rtc-inspector')?.shadowRoot?.querySelectorAll('[part~="chart"]').length ?? 0) > 3,
      poll,
    );
    const replayed = steady(await chartStates(viewer));
    for (const [path, states] of Object.entries(live)) assert.deepEqual(replayed[path], states, path);
    assert.match(
      await viewer.$eval('rtc-inspector', (el) => el.shadowRoot!.querySelector('.source')!.textContent!),
      /rtc-trace-/,
    );

    // Dropping the file on the page opens it too.
    const text = readFileSync(saved, 'utf8');
    await viewer.evaluate(() => (document.querySelector('rtc-inspector') as HTMLElement & { follow(): void }).follow());
    await viewer.waitForFunction(() => !document.querySelector('rtc-inspector')?.matches(':state(replay)'), poll);
    await viewer.evaluate((json) => {
      const files = new DataTransfer();
      files.items.add(new File([json], 'dropped.json', { type: 'application/json' }));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    }, text);
    await viewer.waitForFunction(() => document.querySelector('rtc-inspector')?.matches(':state(replay)'), poll);
    await viewer.waitForFunction(
      () =>
        document.querySelector('rtc-inspector')?.shadowRoot?.querySelector('.source')?.textContent === 'dropped.json',
      poll,
    );
    assert.deepEqual(steady(await chartStates(viewer)), replayed);

    for (const page of [viewer, first, second]) await page.close();
  });

  it('is not served with --inspect false', async () => {
    const off = new Relay({ port: 0, kitDir: 'dist', inspect: false, logLevel: 'warn' });
    const { port } = await off.listen();
    try {
      assert.equal((await fetch(`http://localhost:${port}/inspect`)).status, 404);
    } finally {
      await off.close();
    }
  });
});
