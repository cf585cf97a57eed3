// What scripts/chromium.mjs and scripts/firefox.mjs share: finding a browser's executable, and installing
// Debian's package for it when none is found and we are root on Debian.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The first of `paths` that exists, else the first of `names` on the PATH.
 *
 * @param {(string | undefined)[]} paths
 * @param {string[]} names
 * @returns {string | undefined}
 */
export function findExecutable(paths, names) {
  for (const path of paths) if (path && existsSync(path)) return path;
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return undefined;
}

/**
 * The browser `find` finds; when there is none, installs Debian's `debianPackage` with apt-get (as root on Debian)
 * and looks again; otherwise exits with a one-line instruction naming `envVar`.
 *
 * @param {{ label: string, find: () => string | undefined, debianPackage: string, envVar: string }} browser
 * @returns {string}
 */
export function ensureBrowser({ label, find, debianPackage, envVar }) {
  const found = find();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/etc/debian_version')) {
    console.error(`No ${label} found; installing Debian’s ${debianPackage} package with apt-get…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: 'inherit', env });
    const installed = find();
    if (installed) return installed;
  }
  console.error(
    `No ${label} found: install one (Debian: \`sudo apt-get install ${debianPackage}\`) or set ${envVar} to its executable.`,
  );
  process.exit(1);
}
