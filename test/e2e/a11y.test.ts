import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { Relay } from '../../server/index.js';
import { joinDemo, launch, newPage, poll, startDemoRelay } from './browsers.js';

// axe-core over the demo (what `npm start` serves) in a live two-party call, with the inspector open, in the light
// and the dark theme: WCAG 2 A and AA, and axe's best practices (landmarks, regions).
let relay: Relay;
let browser: Browser;
let origin: string;
const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

before(async () => {
  ({ relay, origin } = await startDemoRelay());
  browser = await launch('chromium');
});
after(async () => {
  await browser?.close();
  await relay?.close();
});

async function join(name: string, room: string): Promise<Page> {
  const page = await newPage(browser, { width: 1280, height: 900 });
  await joinDemo(page, `${origin}/#${room}`, name);
  return page;
}

interface Violation {
  id: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe on the whole page, shadow roots included; returns its violations, one line each. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = (await page.evaluate(async () => {
    const result = await (
      window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown }> } }
    ).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return result.violations;
  })) as Violation[];
  return violations.flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.help}) at ${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`),
  );
}

describe('#a11y', () => {
  it('the demo passes axe in a live call with the inspector open, in both themes', async () => {
    const room = `a11y-${Date.now()}`;
    const first = await join('Ada Lovelace', room);
    await join('Grace Hopper', room);
    await first.bringToFront();
    await first.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') === 'in-call', poll);
    await first.keyboard.down('Control');
    await first.keyboard.down('Alt');
    await first.keyboard.press('KeyI');
    await first.keyboard.up('Alt');
    await first.keyboard.up('Control');
    await first.waitForFunction(() => {
      const inspector = document.querySelector('rtc-inspector');
      return inspector && !inspector.hidden && inspector.shadowRoot?.querySelector('svg');
    }, poll);
    for (const scheme of ['light', 'dark'] as const) {
      await first.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
      const violations = await axe(first);
      assert.deepEqual(violations, [], `${scheme} theme:\n${violations.join('\n')}`);
    }
  });
});
