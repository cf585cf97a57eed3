/**
 * Who may open a signaling socket: the checks an upgrade passes before any WebSocket exists, as pure functions
 * of the request, so the upgrade handler and the `GET /signal` probe give the same answer.
 *
 * @module
 */
import type { ProbeCode } from '../src/signaling/protocol.js';

/** Why a request was refused: its HTTP status, and the code and message the probe answers with. */
export const REFUSALS = {
  'bad-request': { status: 400, message: 'The request line or its URL is malformed.' },
  path: { status: 404, message: 'Signaling is at /signal.' },
  auth: { status: 401, message: 'This relay needs a valid token (?token=JWT): none was given, or it is invalid.' },
  origin: { status: 403, message: 'Pages from this origin may not use this relay (see --allow-origin).' },
  'ip-limit': { status: 429, message: 'Too many connections from this address.' },
  busy: { status: 503, message: 'The relay is at its connection limit, shutting down, or its backplane is down.' },
} as const;

/** A key of {@link REFUSALS}. */
export type Refusal = keyof typeof REFUSALS;

/**
 * The code the `GET /signal` probe answers with for each refusal: what a client shows its user. The one place
 * they are listed; docs/protocol.md documents them.
 */
export const PROBE_CODES: Record<Refusal, ProbeCode> = {
  'bad-request': 'bad-request',
  path: 'not-found',
  auth: 'unauthorized',
  origin: 'origin-refused',
  'ip-limit': 'too-many-connections',
  busy: 'unavailable',
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The raw HTTP response that refuses an upgrade: a status line and no body. */
export function refusalResponse(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/**
 * Reads a request's target (origin-form: `/path?query`). `undefined` for anything else (`//`, `//[`, an absolute
 * URL, `*`) or what the URL parser refuses: the caller answers 400. Never throws: request lines come from anyone.
 *
 * @example
 * requestUrl('/signal?token=x')?.pathname; // '/signal'
 * requestUrl('//['); // undefined
 */
export function requestUrl(target: string | undefined): URL | undefined {
  // `//host/…` is a network-path reference, not a path: refused rather than guessed at.
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    // A fixed base keeps the request's own host (`//evil/`) out of the result: only the path and query count.
    const url = new URL(`http://relay${target}`);
    return url.host === 'relay' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `origin` matches one of `patterns`: exact origins (`https://app.example`) or a leftmost wildcard
 * label (`https://*.example.com`, any subdomain of example.com at any depth, same scheme and port; not
 * example.com itself).
 *
 * @example
 * originAllowed(['https://*.example.com'], 'https://a.b.example.com'); // true
 */
export function originAllowed(patterns: readonly string[], origin: string | undefined): boolean {
  if (patterns.length === 0) return true;
  if (!origin) return false;
  for (const pattern of patterns) {
    if (pattern === origin) return true;
    const star = /^([a-z][a-z0-9+.-]*:\/\/)\*(\.[^/:]+)(:\d+)?$/.exec(pattern);
    if (!star) continue;
    const [, scheme, suffix, port = ''] = star;
    if (!origin.startsWith(scheme!) || !origin.endsWith(`${suffix}${port}`)) continue;
    const label = origin.slice(scheme!.length, origin.length - suffix!.length - port.length);
    if (/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(label)) return true;
  }
  return false;
}

/**
 * Checks an `--allow-origin` entry: an origin, or an origin whose host's leftmost label is `*`. Returns an error
 * message, or `undefined` when it is valid.
 */
export function checkOriginPattern(pattern: string): string | undefined {
  const concrete = pattern.replace(/^([a-z][a-z0-9+.-]*:\/\/)\*\./, '$1wildcard.');
  if (pattern.includes('*') && concrete === pattern)
    return `"${pattern}": a wildcard may only be the leftmost label of the host, as in https://*.example.com`;
  if (concrete.slice(concrete.indexOf('//') + 2).includes('*'))
    return `"${pattern}": only one wildcard, as the leftmost label of the host`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(concrete);
  } catch {
    // Reported below.
  }
  if (parsed?.origin !== concrete) return `takes origins such as https://app.example (no path), got "${pattern}"`;
  return undefined;
}

/**
 * A request target fit for logs: the path, and each query parameter's name when it is a plain word, with every
 * value replaced by `[redacted]`. Names that are not plain words are redacted too, so a token cannot reach the
 * logs however it is spelled or encoded (`?%74oken=…`, `?eyJ…`).
 *
 * @example
 * redactUrl('/signal?token=eyJ…&x=1'); // '/signal?token=[redacted]&x=[redacted]'
 */
export function redactUrl(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  const path = (query === -1 ? target : target.slice(0, query)).slice(0, 128);
  if (query === -1) return path;
  const params = target
    .slice(query + 1)
    .split('&')
    .slice(0, 16)
    .map((param) => {
      const [name = ''] = param.split('=', 1);
      return `${/^[A-Za-z0-9_.-]{1,32}$/.test(name) ? name : '[redacted]'}=[redacted]`;
    });
  return `${path}?${params.join('&')}`;
}
