// Finds a Chromium for the browser tests: CHROME_PATH, /usr/bin/chromium, then google-chrome on PATH.
// Run as `node scripts/chromium.mjs --ensure` to install Debian's chromium package when none is found and we
// are root on Debian; otherwise it exits with a one-line instruction.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

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
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const path of candidates) if (path && existsSync(path)) return path;
  for (const name of ['google-chrome', 'google-chrome-stable', 'chromium']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/etc/debian_version')) {
    console.error('No Chromium found; installing Debian’s chromium package with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    const installed = findChromium();
    if (installed) return installed;
  }
  console.error(
    'No Chromium found: install one (Debian: `sudo apt-get install chromium`) or set CHROME_PATH to its executable.',
  );
  process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--ensure')) {
  console.error(`Chromium: ${ensureChromium()}`);
}
