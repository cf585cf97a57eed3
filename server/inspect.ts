/**
 * The trace viewer the relay serves at `GET /inspect` (on by default; `--inspect false` turns it off): a page
 * holding one `<rtc-inspector>`, where a developer drops or opens a trace file a user exported with **Export
 * trace**, and replays it. Nothing is uploaded: the file is read by the page. The page loads the kit's browser
 * build (`rtc-kit.js`, which loads `rtc-inspector.js` on demand) from `/inspect/`, out of the kit's `dist/`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileServer, packageKitDir, type Handler } from './static.js';

/** Where the viewer is served. */
export const INSPECT_PATH = '/inspect';

/** The browser files the viewer page loads: the kit bundle, its inspector chunk, and their maps. */
const VIEWER_FILE = /^\/inspect\/(rtc-kit|rtc-inspector)\.js(\.map)?$/;

/**
 * The kit's browser build with the inspector's chunk: `preferred` (the relay's `kitDir`) or the package's own
 * `dist/` (see {@link packageKitDir}). `undefined` before `npm run build`.
 */
export function findKitBuild(preferred = ''): string | undefined {
  const candidates = [preferred, packageKitDir()].filter((dir): dir is string => Boolean(dir));
  return candidates.find((dir) => existsSync(`${dir}/rtc-kit.js`) && existsSync(`${dir}/rtc-inspector.js`));
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>rtc-kit trace viewer</title>
    <script type="module" src="${INSPECT_PATH}/rtc-kit.js"></script>
    <style>
      :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
      body { margin: 0; padding: 1rem; box-sizing: border-box; min-height: 100vh; }
      header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; margin-bottom: 0.8rem; }
      h1 { font-size: 1.1rem; margin: 0; }
      p { margin: 0; color: color-mix(in srgb, currentColor 70%, transparent); font-size: 0.9rem; }
      body.dragging rtc-inspector { outline: 3px dashed #3b82f6; outline-offset: 4px; }
      rtc-inspector { --rtc-inspector-height: calc(100vh - 5rem); }
    </style>
  </head>
  <body>
    <header>
      <h1>rtc-kit trace viewer</h1>
      <p>Drop a trace file (<code>rtc-trace-….json</code>, from <strong>Export trace</strong>) anywhere on this page,
        or use <strong>Open trace…</strong>. The file stays in this browser.</p>
    </header>
    <rtc-inspector id="viewer"></rtc-inspector>
    <script type="module">
      const viewer = document.getElementById('viewer');
      let depth = 0;
      addEventListener('dragenter', () => document.body.classList.toggle('dragging', ++depth > 0));
      addEventListener('dragleave', () => document.body.classList.toggle('dragging', --depth > 0));
      addEventListener('dragover', (event) => event.preventDefault());
      addEventListener('drop', (event) => {
        event.preventDefault();
        depth = 0;
        document.body.classList.remove('dragging');
        const file = event.dataTransfer?.files[0];
        if (file) customElements.whenDefined('rtc-inspector').then(() => viewer.open(file));
      });
    </script>
  </body>
</html>
`;

/**
 * Serves the trace viewer: the page at `/inspect` (and `/inspect/`), and the kit's browser files at
 * `/inspect/rtc-kit.js` and `/inspect/rtc-inspector.js` from `kitBuild`. Without a build it answers 503 with
 * what to do, rather than a page that cannot load.
 *
 * @example
 * handlers.push(traceViewer(findKitBuild()));
 */
export function traceViewer(kitBuild: string | undefined): Handler {
  const files = kitBuild
    ? fileServer(kitBuild, { prefix: INSPECT_PATH, accept: (path) => VIEWER_FILE.test(path) })
    : undefined;
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path !== INSPECT_PATH && !path.startsWith(`${INSPECT_PATH}/`)) return next();
    if (!files) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The trace viewer needs the kit’s browser build: run `npm run build`, or pass --kit-dir.\n');
      return;
    }
    if (path === INSPECT_PATH || path === `${INSPECT_PATH}/`) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        // The page needs nothing but its own scripts and styles.
        'content-security-policy':
          "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : PAGE);
      return;
    }
    files(req, res, next);
  };
}
