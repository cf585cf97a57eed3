import { fromPromise } from 'xstate';
import type { ProbeCode } from '../signaling/protocol.js';

/**
 * Why the relay could not be joined, as the kit tells it: `relay-unreachable` (nothing answered), a refusal the
 * relay explained (`relay-not-found`, `relay-unauthorized`, `relay-origin-refused`, `relay-too-many-connections`,
 * `relay-unavailable`, `relay-bad-request`), or `relay-refused` (something answered but the WebSocket handshake
 * failed, and no rtc-relay said why).
 */
export type RelayProblemCode =
  | 'relay-unreachable'
  | 'relay-not-found'
  | 'relay-unauthorized'
  | 'relay-origin-refused'
  | 'relay-too-many-connections'
  | 'relay-unavailable'
  | 'relay-bad-request'
  | 'relay-refused';

/** What the probe found: a code for programs, a short summary, and a message that says what to do. */
export interface RelayProblem {
  code: RelayProblemCode;
  /** A short phrase naming the relay, e.g. `Can't reach the relay at ws://localhost:8787/signal`. */
  summary: string;
  /** One or two sentences for people: what happened and what to do. */
  message: string;
}

/** What the probe saw: the relay's JSON answer with its HTTP status, any other answer, or no answer at all. */
export type ProbeAnswer =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'other'; status: number }
  /** Something answered, but the page may not read it (no CORS header): not an rtc-relay's probe. */
  | { kind: 'opaque' }
  /** Nothing readable at the URL's path, but an rtc-relay answers at `signal` (the same host, path `/signal`). */
  | { kind: 'wrong-path'; signal: string }
  | { kind: 'none'; reason?: string };

/**
 * The URL of a relay's probe for a signaling URL: the same host, path and query (the token), over `http:` for
 * `ws:` and `https:` for `wss:`. `undefined` for a URL that is not `ws:`/`wss:` (or not a URL).
 *
 * @example
 * probeUrl('wss://relay.example/signal?token=abc'); // 'https://relay.example/signal?token=abc'
 */
export function probeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return undefined;
  parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : 'http:';
  parsed.hash = '';
  return parsed.href;
}

/** The URL as the user should read it: without the token, which is a credential. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.searchParams.has('token')) parsed.searchParams.set('token', '…');
    return decodeURIComponent(parsed.href);
  } catch {
    return url.slice(0, 200);
  }
}

/** The relay's own codes (server/admission.ts `PROBE_CODES`), as the client reports them. */
const REFUSED: Record<ProbeCode, { code: RelayProblemCode; summary: string; hint: string }> = {
  'not-found': {
    code: 'relay-not-found',
    summary: 'The relay at {url} has no signaling at that path',
    hint: 'Check the server address: an rtc-relay listens at /signal.',
  },
  unauthorized: {
    code: 'relay-unauthorized',
    summary: 'The relay at {url} needs a valid token',
    hint: 'Give a token your server minted (the token attribute, or ?token= in the server URL); it may be missing, invalid or expired.',
  },
  'origin-refused': {
    code: 'relay-origin-refused',
    summary: 'The relay at {url} does not accept pages from {origin}',
    hint: "Add this page's origin to the relay's --allow-origin.",
  },
  'too-many-connections': {
    code: 'relay-too-many-connections',
    summary: 'The relay at {url} has too many connections from your address',
    hint: 'Close other tabs or devices connected to it from this network, or ask its operator to raise --max-per-ip.',
  },
  unavailable: {
    code: 'relay-unavailable',
    summary: 'The relay at {url} is busy or shutting down',
    hint: 'It should accept connections again shortly.',
  },
  'bad-request': {
    code: 'relay-bad-request',
    summary: 'The relay at {url} could not read the address',
    hint: 'Check the server address for stray characters.',
  },
};

/**
 * Turns what the probe saw into the problem to report, for the signaling URL `url` (shown without its token).
 *
 * @example
 * relayProblem({ kind: 'none' }, 'ws://localhost:1/signal').code; // 'relay-unreachable'
 * relayProblem({ kind: 'json', status: 401, body: { ok: false, code: 'unauthorized', message: '…' } }, url).code;
 * // 'relay-unauthorized'
 */
export function relayProblem(answer: ProbeAnswer, url: string, origin = pageOrigin()): RelayProblem {
  const at = displayUrl(url);
  if (answer.kind === 'none') {
    const summary = `Can't reach the relay at ${at}`;
    return {
      code: 'relay-unreachable',
      summary,
      message: `${summary}: ${answer.reason ?? 'nothing answered'}. Check the server address and that the relay is running.`,
    };
  }
  if (answer.kind === 'json' && answer.body && typeof answer.body === 'object') {
    const { ok, code, message } = answer.body as { ok?: unknown; code?: unknown; message?: unknown };
    const known = typeof code === 'string' && Object.hasOwn(REFUSED, code) ? REFUSED[code as ProbeCode] : undefined;
    if (ok === false && known) {
      const summary = known.summary.replace('{url}', at).replace('{origin}', origin);
      const said = typeof message === 'string' && message ? ` (${answer.status}: ${message.slice(0, 200)})` : '';
      return { code: known.code, summary, message: `${summary}${said}. ${known.hint}` };
    }
    if (ok === true) {
      const summary = `The relay at ${at} refused the WebSocket connection`;
      return {
        code: 'relay-refused',
        summary,
        message: `${summary}, though it would admit you: a proxy in between may not pass WebSocket upgrades.`,
      };
    }
  }
  if (answer.kind === 'wrong-path') {
    const summary = REFUSED['not-found']!.summary.replace('{url}', at);
    return {
      code: 'relay-not-found',
      summary,
      message: `${summary}. An rtc-relay answers at ${displayUrl(answer.signal)}: use that address.`,
    };
  }
  // A wrong path: the relay (or any server) has nothing there, and says so with a plain 404.
  if (answer.kind !== 'opaque' && answer.status === 404) {
    const known = REFUSED['not-found']!;
    const summary = known.summary.replace('{url}', at);
    return { code: known.code, summary, message: `${summary} (HTTP 404). ${known.hint}` };
  }
  const summary = `The server at ${at} refused the WebSocket connection`;
  const status = answer.kind === 'opaque' ? '' : ` (HTTP ${answer.status})`;
  return {
    code: 'relay-refused',
    summary,
    message: `${summary}${status}; it does not look like an rtc-relay. Check the server address.`,
  };
}

function pageOrigin(): string {
  return typeof location === 'undefined' ? 'this origin' : location.origin;
}

/** Reads the probe: its JSON when the relay answered with it, else what kind of answer it was. */
async function ask(url: string, signal: AbortSignal): Promise<ProbeAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store', credentials: 'omit', signal });
  } catch (error) {
    if (signal.aborted) throw error;
    // A CORS refusal and a closed port look alike to the page; a no-cors request tells them apart.
    try {
      await fetch(url, { mode: 'no-cors', cache: 'no-store', credentials: 'omit', signal });
      return { kind: 'opaque' };
    } catch {
      if (signal.aborted) throw error;
      return { kind: 'none' };
    }
  }
  if (!(response.headers.get('content-type') ?? '').includes('application/json'))
    return { kind: 'other', status: response.status };
  try {
    return { kind: 'json', status: response.status, body: await response.json() };
  } catch {
    return { kind: 'other', status: response.status };
  }
}

/**
 * Asks a relay whose WebSocket would not open why, with a plain `GET` of the same URL over HTTP (see "Probe" in
 * docs/protocol.md): browsers hide a refused handshake's status from the page, the probe's JSON does not.
 * Resolves with the problem to report; never rejects, except when stopped (its `signal` aborts the request).
 */
export const relayProbeActor = fromPromise<RelayProblem, { url: string }>(async ({ input, signal }) => {
  const target = probeUrl(input.url);
  if (!target) return relayProblem({ kind: 'none', reason: 'it is not a ws:// or wss:// URL' }, input.url);
  const answer = await ask(target, signal);
  // The relay answers other paths with a plain 404 that a page on another origin may not even read: if a relay
  // answers at /signal on the same host, the path was wrong.
  const url = new URL(target);
  if ((answer.kind === 'opaque' || answer.kind === 'other') && url.pathname !== SIGNAL_PATH) {
    url.pathname = SIGNAL_PATH;
    if ((await ask(url.href, signal)).kind === 'json') {
      const ws = new URL(input.url);
      ws.pathname = SIGNAL_PATH;
      return relayProblem({ kind: 'wrong-path', signal: ws.href }, input.url);
    }
  }
  return relayProblem(answer, input.url);
});

/** Where an rtc-relay serves signaling. */
const SIGNAL_PATH = '/signal';
