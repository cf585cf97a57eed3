// Finds a Firefox for the cross-browser tests: FIREFOX_PATH, /usr/bin/firefox-esr, /usr/bin/firefox, then firefox-esr
// or firefox on PATH. Run as `node scripts/firefox.mjs --ensure` to install Debian's firefox-esr package when none is
// found and we are root on Debian; otherwise it exits with a one-line instruction. puppeteer-core drives it over
// WebDriver BiDi; the suite is run with Debian's ESR 140.
import { pathToFileURL } from 'node:url';
import { ensureBrowser, findExecutable } from './find-browser.mjs';

/**
 * Preferences every Firefox we launch gets: a fake camera and microphone with no permission prompt, media that
 * plays with sound without a click, and no network calls of its own (updates, telemetry, safe browsing).
 */
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // WebRTC on loopback: Firefox leaves out host candidates of the loopback interface unless told.
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

/** @returns {string | undefined} the path of a Firefox, or undefined. */
export function findFirefox() {
  return findExecutable(
    [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox'],
    ['firefox-esr', 'firefox'],
  );
}

/**
 * puppeteer-core launch options for a headless Firefox with {@link FIREFOX_PREFS}.
 *
 * @returns {import('puppeteer-core').LaunchOptions}
 * @example
 * const browser = await puppeteer.launch(firefoxLaunchOptions());
 */
export function firefoxLaunchOptions() {
  const executablePath = findFirefox();
  if (!executablePath)
    throw new Error('No Firefox found: run `node scripts/firefox.mjs --ensure`, or set FIREFOX_PATH.');
  return { browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: FIREFOX_PREFS };
}

/**
 * Makes `page.setViewport` work in Firefox ESR 140: puppeteer-core sets the viewport and, in parallel, a screen
 * orientation override (`emulation.setScreenOrientationOverride`) that Firefox 140 does not know. The viewport is
 * set all the same; only that one error is dropped. Returns the page.
 *
 * @template {import('puppeteer-core').Page} P
 * @param {P} page
 * @returns {P}
 * @example
 * const page = tolerateViewport(await browser.newPage());
 * await page.setViewport({ width: 390, height: 844 });
 */
export function tolerateViewport(page) {
  const setViewport = page.setViewport.bind(page);
  page.setViewport = async (viewport) => {
    try {
      await setViewport(viewport);
    } catch (error) {
      if (!String(/** @type {Error} */ (error)?.message).includes('setScreenOrientationOverride')) throw error;
    }
  };
  return page;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--ensure')) {
  console.error(
    `Firefox: ${ensureBrowser({ label: 'Firefox', find: findFirefox, debianPackage: 'firefox-esr', envVar: 'FIREFOX_PATH' })}`,
  );
}
