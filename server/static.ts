import { createReadStream, existsSync, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A connect-style handler: answers, or calls `next` to let the following one try. */
export type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Content types by extension: what a demo page and the kit bundle need. Anything else is a download. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Options of {@link fileServer}. */
export interface FileServerOptions {
  /** Headers added to every file served (CORS, say). */
  headers?: Record<string, string>;
  /** Which request paths it may answer at all; others go to `next` untouched. */
  accept?: (path: string) => boolean;
  /** Removed from the request path before it is looked up in the directory (`/dist` for the kit). */
  prefix?: string;
}

/**
 * Serves the regular files of `root`, looked up at request time. A path that leads outside `root` by `..`, an
 * encoded `..` or a symlink is answered like a missing file (`next`), so nothing outside the directory can be
 * read through it, and nothing is walked ahead of time (a symlink loop costs one failed lookup, not the start).
 *
 * @example
 * handlers.push(fileServer('./public'));
 */
export function fileServer(root: string, { headers = {}, accept, prefix = '' }: FileServerOptions = {}): Handler {
  const base = realpathSync(root);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const raw = (req.url ?? '/').split('?', 1)[0]!;
    if (accept && !accept(raw)) return next();
    if (!raw.startsWith(prefix)) return next();
    let path: string;
    try {
      path = decodeURIComponent(raw.slice(prefix.length));
    } catch {
      return next();
    }
    if (path.includes('\0')) return next();
    void find(base, path).then(
      (file) => {
        if (!file) return next();
        const tag = `W/"${file.size.toString(36)}-${file.mtimeMs.toString(36)}"`;
        if (req.headers['if-none-match'] === tag) {
          res.writeHead(304, { etag: tag, ...headers }).end();
          return;
        }
        res.writeHead(200, {
          'content-type': TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
          'content-length': file.size,
          'cache-control': 'no-cache',
          etag: tag,
          ...headers,
        });
        if (req.method === 'HEAD') return void res.end();
        createReadStream(file.path)
          .on('error', () => res.destroy())
          .pipe(res);
      },
      () => next(),
    );
  };
}

/** The regular file `path` names inside `base` (a directory's index.html), or `undefined`. */
async function find(base: string, path: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  let target = resolve(base, `.${path}`);
  const inside = (candidate: string): boolean => candidate === base || candidate.startsWith(base + sep);
  if (!inside(target)) return undefined;
  try {
    if ((await stat(target)).isDirectory()) target = join(target, 'index.html');
    const real = await realpath(target);
    if (!inside(real)) return undefined;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** The files of the browser build a page may load from `/dist/`: top-level scripts and their source maps. */
const KIT_FILE = /^\/dist\/[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.js(\.map)?$/;

/**
 * Serves the kit's browser bundle (`rtc-kit.js`, its lazily loaded chunks, and their maps) from `kitDir` at
 * `/dist/`, to pages on any origin (CORS). Nothing else of `kitDir` is served: not the compiled server code
 * under `dist/lib/`, not its source maps.
 */
export function kitFiles(kitDir: string): Handler {
  return fileServer(kitDir, {
    prefix: '/dist',
    accept: (path) => KIT_FILE.test(path),
    // The kit is loaded with <script type="module"> from pages on any origin, which needs CORS.
    headers: { 'access-control-allow-origin': '*' },
  });
}

/**
 * The rtc-kit package's own browser build, which a relay serves at `/dist/` unless told `kitDir`: `dist/` beside
 * the compiled relay (`dist/lib/server/`) or beside its source (`server/`), whichever holds `rtc-kit.js`.
 * Undefined when neither does (the kit is not built).
 */
export function packageKitDir(): string | undefined {
  const candidates = ['../../', '../dist/'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'rtc-kit.js')));
}
