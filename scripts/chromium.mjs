// Finds a Chromium for the browser tests: CHROME_PATH, /usr/bin/chromium, then google-chrome on PATH.
// Run as `node scripts/chromium.mjs --ensure` to install Debian's chromium package when none is found and we
// are root on Debian; otherwise it exits with a one-line instruction.
import { pathToFileURL } from 'node:url';
import { ensureBrowser, findExecutable } from './find-browser.mjs';

/** Flags every Chromium we launch gets: headless-safe, offline, with a fake camera and microphone. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** @returns {string | undefined} the path of a Chromium, or undefined. */
export function findChromium() {
  return findExecutable(
    [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'],
    ['google-chrome', 'google-chrome-stable', 'chromium'],
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--ensure')) {
  console.error(
    `Chromium: ${ensureBrowser({ label: 'Chromium', find: findChromium, debianPackage: 'chromium', envVar: 'CHROME_PATH' })}`,
  );
}
