import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';
import { firefoxLaunchOptions, tolerateViewport } from './scripts/firefox.mjs';
import { register } from 'tsx/esm/api';

// The relay plugin imports the relay and the server tests' helpers from their TypeScript sources.
register();
const { relayPlugin } = await import('./scripts/wtr-relay-plugin.mjs');

const chromium = (args) => chromeLauncher({ launchOptions: { executablePath: findChromium(), headless: true, args } });

/**
 * Firefox (ESR 140, driven by puppeteer-core over WebDriver BiDi, as @web/test-runner-puppeteer does without
 * the `puppeteer` package, which would download a browser): the element and engine tests run there too.
 */
const firefox = () =>
  chromeLauncher({
    puppeteer: puppeteerCore,
    launchOptions: firefoxLaunchOptions(),
    createPage: async ({ context }) => tolerateViewport(await context.newPage()),
  });

/**
 * What the Firefox group runs: every browser test but these, each of which cannot run there.
 * - autoplay.test.ts: its group's Chromium flag refuses sound until a click; Firefox's equivalent preference
 *   (`media.autoplay.default: 1`) would need a third browser for one file that tests only the kit's fallback UI.
 * - quality-shaped.test.ts: shapes the link with the Chrome DevTools Protocol (`Network.emulateNetworkConditions`),
 *   which Firefox lacks; Firefox on a shaped link is the network suite's job (netns + tc works for any browser).
 * - stories.test.ts, inspector.test.ts: render the same elements as elements.test.ts with nothing
 *   browser-specific; they would add minutes of CI for no new coverage.
 * - turn.test.ts: coturn and Redis are browser-independent; the relay path is covered in Chromium.
 */
export const FIREFOX_TESTS = [
  'test/browser/data.test.ts',
  'test/browser/elements.test.ts',
  'test/browser/engine.test.ts',
  'test/browser/media.test.ts',
  'test/browser/quality.test.ts',
  'test/browser/smoke.test.ts',
  'test/browser/states.test.ts',
  'test/browser/stats.test.ts',
];

/** Run in a Chromium that blocks autoplay with sound until a user gesture, as a real browser does. */
const AUTOPLAY_TESTS = 'test/browser/autoplay.test.ts';

export default {
  files: ['test/browser/**/*.test.ts', `!${AUTOPLAY_TESTS}`],
  nodeResolve: true,
  concurrency: 1,
  // One browser at a time: the autoplay group's Chromium must not run beside the main one on a 2-core machine.
  concurrentBrowsers: 1,
  testFramework: { config: { timeout: 30_000 } },
  testsFinishTimeout: 300_000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), relayPlugin()],
  browsers: [chromium(CHROMIUM_ARGS)],
  groups: [
    {
      name: 'autoplay-blocked',
      files: AUTOPLAY_TESTS,
      browsers: [
        chromium([
          ...CHROMIUM_ARGS.filter((arg) => !arg.startsWith('--autoplay-policy')),
          '--autoplay-policy=document-user-activation-required',
        ]),
      ],
    },
    // `wtr --files` picks the default group's files only; RTC_FIREFOX_FILES (comma-separated) narrows this one.
    { name: 'firefox', files: process.env.RTC_FIREFOX_FILES?.split(',') ?? FIREFOX_TESTS, browsers: [firefox()] },
  ],
};
