// Screenshots of stories, in headless Chromium with a fake camera, once each story's play function has finished
// (that is, once it reached the state it shows).
//
//   node stories/screenshots.mjs [--base URL] [--out DIR] [--docs] [story-id ...]
//
// --base: a Storybook, built or dev (default http://localhost:8787/, what `node stories/serve.mjs --static`
// serves); its stories must reach a relay (the one serve.mjs runs). --out: where PNGs go (default
// test/screenshots). --docs: also shoot each story's component docs page. Default stories: in call and denied.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';

const argv = process.argv.slice(2);
/** @param {string} flag */
const option = (flag) => {
  const at = argv.indexOf(flag);
  if (at < 0) return undefined;
  const [value] = argv.splice(at, 2).slice(1);
  return value;
};
const base = option('--base') ?? 'http://localhost:8787/';
const out = option('--out') ?? 'test/screenshots';
const docs = argv.includes('--docs');
const ids = argv.filter((arg) => !arg.startsWith('--'));
if (ids.length === 0) ids.push('elements-rtc-call--in-call', 'elements-rtc-call--denied');

const executablePath = findChromium();
if (!executablePath) {
  console.error('No Chromium: run `node scripts/chromium.mjs --ensure`, or set CHROME_PATH.');
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
let failed = false;
/** Components whose docs page was shot already. */
const shotDocs = new Set();
try {
  for (const id of ids) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 760, deviceScaleFactor: 1 });
    /** @type {string[]} */
    const problems = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error instanceof Error ? error.message : error}`));
    page.on('console', (message) => {
      // A story iframe opened on its own asks for /favicon.ico, which Storybook does not serve there.
      if (message.type() === 'error' && !message.location().url?.endsWith('/favicon.ico'))
        problems.push(`console.error: ${message.text()}`);
    });
    const url = new URL(`iframe.html?id=${encodeURIComponent(id)}&viewMode=story`, base).href;
    // Storybook reports each render phase on its channel; `played` comes after the play function returned.
    await page.evaluateOnNewDocument(() => {
      const w = /** @type {any} */ (window);
      w.__storyPhase = new Promise((resolve) => {
        const listen = () => {
          const channel = w.__STORYBOOK_ADDONS_CHANNEL__;
          if (!channel) return void setTimeout(listen, 20);
          channel.on('storyRenderPhaseChanged', (/** @type {{ newPhase: string }} */ { newPhase }) => {
            if (['played', 'completed', 'errored', 'aborted'].includes(newPhase)) resolve(newPhase);
          });
          channel.on('storyErrored', () => resolve('errored'));
          channel.on('storyThrewException', () => resolve('errored'));
          channel.on('playFunctionThrewException', () => resolve('errored'));
        };
        listen();
      });
    });
    await page.goto(url, { waitUntil: 'load' });
    let phase = 'timeout';
    // A dev server may reload the page once, after it pre-bundled a dependency it just found: wait again then.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        phase = await page.evaluate(() =>
          Promise.race([
            /** @type {any} */ (window).__storyPhase,
            new Promise((resolve) => setTimeout(() => resolve('timeout'), 30_000)),
          ]),
        );
        break;
      } catch (error) {
        if (!String(error).includes('Execution context was destroyed')) throw error;
        await page.waitForNavigation({ waitUntil: 'load' }).catch(() => {});
      }
    }
    // Let the last frame of video and the last state change paint.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const file = join(out, `story-${id}.png`);
    await page.screenshot({ path: file });
    console.log(`${phase === 'played' || phase === 'completed' ? 'ok  ' : 'FAIL'} ${id} (${phase}) -> ${file}`);
    for (const problem of problems) console.log(`     ${problem}`);
    if (phase !== 'played' && phase !== 'completed') failed = true;
    const component = id.split('--')[0] ?? id;
    if (docs && !shotDocs.has(component)) {
      shotDocs.add(component);
      const docsPage = await browser.newPage();
      await docsPage.setViewport({ width: 1280, height: 1400 });
      await docsPage.goto(new URL(`?path=/docs/${component}--docs`, base).href, { waitUntil: 'load' });
      await new Promise((resolve) => setTimeout(resolve, 8000));
      const docsFile = join(out, `story-${component}--docs.png`);
      await docsPage.screenshot({ path: docsFile });
      console.log(`     docs -> ${docsFile}`);
      await docsPage.close();
    }
    await page.close();
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
