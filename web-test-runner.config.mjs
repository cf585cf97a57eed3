import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';
import { register } from 'tsx/esm/api';

// The relay plugin imports the relay and the server tests' helpers from their TypeScript sources.
register();
const { relayPlugin } = await import('./scripts/wtr-relay-plugin.mjs');

const chromium = (args) => chromeLauncher({ launchOptions: { executablePath: findChromium(), headless: true, args } });

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
  ],
};
