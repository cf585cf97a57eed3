/**
 * What the stories share: waiting for a state, finding parts of the elements, cleaning up after a story, and the
 * few honest ways the stories bring a call into states a healthy relay never produces (a full room, a dropped
 * relay connection, a denied camera).
 *
 * Nothing here imports Storybook: test/browser/stories.test.ts renders every story in @web/test-runner too.
 *
 * @module
 */
import { html, type TemplateResult } from 'lit';
import type { ActorRefFrom } from 'xstate';
import type { CallState } from '../src/call.js';
import type { RtcCall, RtcChat, RtcControls, RtcVideo } from '../src/components/index.js';
import type { signalingMachine } from '../src/machines/signaling.machine.js';
import { parseServerMessage, type ClientMessage } from '../src/signaling/protocol.js';
import { storyServer } from './relay.js';

/** What a play function uses of Storybook's story context; the browser test passes the same. */
export interface PlayContext<TArgs = unknown> {
  canvasElement: HTMLElement;
  args: TArgs;
  /** Aborted when Storybook leaves the story before its play function finished. */
  abortSignal?: AbortSignal;
}

/** How long a story may take to reach its state. Two calls on one machine are in call in 1–3 s. */
export const STORY_TIMEOUT = 20_000;

/**
 * Polls `check` until it returns something truthy, and returns that. On timeout it throws, saying what it waited
 * for, and whether the relay looks unreachable.
 *
 * @example
 * await waitFor('Ada in call', () => ada.state === 'in-call');
 */
export async function waitFor<T>(
  what: string,
  check: () => T | false | null | undefined | '',
  { timeout = STORY_TIMEOUT, signal }: { timeout?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (signal?.aborted) throw new Error(`Stopped waiting for ${what}: the story was left.`);
    if (performance.now() - start > timeout) {
      const joining = document.querySelector('rtc-call[state="joining"]');
      const hint = joining
        ? ` A call is still joining: is an rtc-relay listening at ${storyServer()}? \`npm run storybook\` starts one.`
        : '';
      throw new Error(`Timed out after ${timeout / 1000} s waiting for ${what}.${hint}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// --- Finding things -------------------------------------------------------------------------------------------

/** The `<rtc-call>` of the participant called `name` in a story. */
export function callOf(root: ParentNode, name: string): RtcCall {
  const call = root.querySelector<RtcCall>(`rtc-call[name="${name}"]`);
  if (!call) throw new Error(`No <rtc-call name="${name}"> in this story.`);
  return call;
}

/** An element in `host`'s shadow root with the part `part`, if rendered. */
export function partOf<T extends Element = HTMLElement>(host: Element, part: string): T | null {
  return host.shadowRoot?.querySelector<T>(`[part~="${part}"]`) ?? null;
}

/** The tiles of a call's default layout: yours first, then one per participant. */
export function tilesOf(call: RtcCall): RtcVideo[] {
  return [...(call.shadowRoot?.querySelectorAll<RtcVideo>('rtc-video') ?? [])];
}

/** The controls bar of a call's default layout, or the first one slotted into it. */
export function controlsOf(call: RtcCall): RtcControls | null {
  return call.querySelector('rtc-controls') ?? call.shadowRoot?.querySelector('rtc-controls') ?? null;
}

/** True while a tile plays decoded video. */
export function plays(tile: RtcVideo | null | undefined): boolean {
  const video = tile ? partOf<HTMLVideoElement>(tile, 'video') : null;
  return !!video && !video.hidden && video.videoWidth > 0 && video.currentTime > 0;
}

/** What a tile's placeholder says (`Camera off`, `Camera blocked`…), or `''` while it shows video. */
export function placeholderOf(tile: RtcVideo | null | undefined): string {
  const placeholder = tile ? partOf(tile, 'placeholder') : null;
  if (!placeholder || placeholder.hidden) return '';
  return placeholder.querySelector('.note')?.textContent?.trim() ?? '';
}

/** True when a tile shows its muted-microphone badge. */
export function showsMuted(tile: RtcVideo | null | undefined): boolean {
  const badge = tile?.shadowRoot?.querySelector<HTMLElement>('.badge.mic');
  return !!badge && !badge.hidden;
}

/** The texts a chat shows, as `Author: text`. */
export function chatLines(chat: RtcChat): string[] {
  return [...(chat.shadowRoot?.querySelectorAll('[part~="message"]') ?? [])].map(
    (m) => `${m.querySelector('[part~="author"]')?.textContent}: ${m.querySelector('[part~="text"]')?.textContent}`,
  );
}

/** A button of a controls bar (`mic`, `camera`, `hangup`), once the bar shows it. */
export function buttonOf(controls: RtcControls | null, part: string): HTMLButtonElement | null {
  return controls ? partOf<HTMLButtonElement>(controls, part) : null;
}

// --- Waiting for states ---------------------------------------------------------------------------------------

/** Waits until every named call is in `state`. */
export async function inState(
  root: ParentNode,
  state: CallState,
  names: string[],
  signal?: AbortSignal,
): Promise<RtcCall[]> {
  const calls = names.map((name) => callOf(root, name));
  await waitFor(`${names.join(' and ')} ${state}`, () => calls.every((call) => call.state === state), { signal });
  return calls;
}

/** Waits until both participants are in call and each sees the other's video. */
export async function inCall(root: ParentNode, you: string, other: string, signal?: AbortSignal): Promise<void> {
  const [a, b] = await inState(root, 'in-call', [you, other], signal);
  await waitFor(`${you} and ${other} to see each other`, () => plays(tilesOf(a!)[1]) && plays(tilesOf(b!)[1]), {
    signal,
  });
}

/** Clicks a button of a call's controls bar, once it is there and enabled. */
export async function click(call: RtcCall, part: string, signal?: AbortSignal): Promise<void> {
  const button = await waitFor(
    `the ${part} button of ${call.name || 'the call'}`,
    () => {
      const found = buttonOf(controlsOf(call), part);
      return found && !found.disabled ? found : null;
    },
    { signal },
  );
  button.click();
}

// --- Cleaning up ----------------------------------------------------------------------------------------------

const cleanups: (() => void)[] = [];

/** Registers something to undo when the story unmounts (see {@link leaveAndCleanUp}). */
export function onCleanup(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/**
 * The `beforeEach` of every story file. Its cleanup, which Storybook runs before it unmounts the story, leaves
 * every call on the page (saying goodbye to the relay and releasing the camera) and undoes what the story
 * registered with {@link onCleanup}, newest first. (An `<rtc-call>` also leaves on its own once removed.)
 */
export function leaveAndCleanUp(): () => void {
  return () => {
    for (const call of document.querySelectorAll('rtc-call')) call.leave();
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) cleanup();
  };
}

// --- States a healthy relay does not produce ------------------------------------------------------------------

/**
 * A `beforeEach` that makes `getUserMedia` reject with `NotAllowedError`, as when the user (or a site setting)
 * refuses the camera and microphone. Its cleanup puts the real one back.
 */
export function denyCameraAndMicrophone(): () => void {
  const devices = navigator.mediaDevices;
  const own = Object.getOwnPropertyDescriptor(devices, 'getUserMedia');
  const deny = (): Promise<MediaStream> => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  Object.defineProperty(devices, 'getUserMedia', { value: deny, configurable: true, writable: true });
  return () => {
    if (own) Object.defineProperty(devices, 'getUserMedia', own);
    else Reflect.deleteProperty(devices, 'getUserMedia');
  };
}

/**
 * Fills `room` on the relay with bare WebSocket members until the relay refuses one with `room-full` (it holds
 * `maxPeersPerRoom`, 16 by default). They stay until the story unmounts.
 */
export async function fillRoom(server: string, room: string): Promise<number> {
  const members: WebSocket[] = [];
  onCleanup(() => {
    for (const member of members) member.close();
  });
  for (let seat = 1; seat <= 256; seat += 1) {
    const member = new WebSocket(server);
    members.push(member);
    const answer = await new Promise<string>((resolve) => {
      const join: ClientMessage = { type: 'join', room, meta: { name: `Seat ${seat}` } };
      member.onopen = () => member.send(JSON.stringify(join));
      member.onmessage = (event) => {
        const message = parseServerMessage(event.data);
        if (message?.type === 'welcome') resolve('welcome');
        else if (message?.type === 'error') resolve(message.code);
      };
      member.onclose = () => resolve('closed');
    });
    if (answer === 'room-full') {
      member.close();
      return seat - 1;
    }
    if (answer !== 'welcome') throw new Error(`The relay at ${server} answered a join with ${answer}.`);
  }
  throw new Error(`The relay at ${server} never said room-full.`);
}

/** A WebSocket to a host that cannot be reached: it never opens, and closes with 1006 soon after it is made. */
class UnreachableSocket extends EventTarget {
  readonly url: string;
  readyState: number = WebSocket.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;

  constructor(url: string) {
    super();
    this.url = url;
    setTimeout(() => {
      if (this.readyState === WebSocket.CLOSED) return;
      this.readyState = WebSocket.CLOSED;
      const error = new Event('error');
      this.onerror?.(error);
      this.dispatchEvent(error);
      const close = new CloseEvent('close', { code: 1006, reason: '', wasClean: false });
      this.onclose?.(close);
      this.dispatchEvent(close);
    }, 100);
  }

  send(): void {
    throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", 'InvalidStateError');
  }

  close(): void {
    this.readyState = WebSocket.CLOSED;
  }
}

/**
 * Drops `call`'s connection to the relay and keeps the relay out of reach, as when the network between this
 * browser and the relay goes down while the peer connections carry on. From now until the story unmounts, a new
 * WebSocket to the relay's host fails with 1006; then the call's signaling actor gets `socket.closed` 1006, the
 * event its WebSocket sends when a connection drops. The engine does the rest on its own: signaling retries with
 * backoff, and the call stays `reconnecting`.
 */
export function dropRelayConnection(call: RtcCall): void {
  const relay = new URL(call.server || storyServer(), location.href).host;
  const Real = globalThis.WebSocket;
  globalThis.WebSocket = new Proxy(Real, {
    construct(target, args: ConstructorParameters<typeof WebSocket>) {
      const url = new URL(String(args[0]), location.href);
      return url.host === relay ? new UnreachableSocket(url.href) : Reflect.construct(target, args);
    },
  });
  onCleanup(() => {
    globalThis.WebSocket = Real;
  });
  const signaling = call.actor?.getSnapshot().children.signaling as ActorRefFrom<typeof signalingMachine> | undefined;
  if (!signaling) throw new Error(`${call.name || 'The call'} has no signaling actor: it is not in a room.`);
  signaling.send({ type: 'socket.closed', code: 1006, reason: '' });
}

/** Reconnection attempts the signaling actor of `call` made since it was last joined. */
export function reconnectAttempts(call: RtcCall): number {
  const signaling = call.actor?.getSnapshot().children.signaling as ActorRefFrom<typeof signalingMachine> | undefined;
  return signaling?.getSnapshot().context.attempt ?? 0;
}

// --- Layout of the stories ------------------------------------------------------------------------------------

/** Styles of the story frames (not of the elements: those come with the elements and `--rtc-*`). */
export const frameStyles = html`<style>
  .story {
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      sans-serif;
    color: #16181d;
  }
  .story-seats {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(26rem, 100%), 1fr));
    gap: 1rem;
    align-items: start;
  }
  .story-seats.aside {
    grid-template-columns: minmax(0, 2.2fr) minmax(16rem, 1fr);
  }
  .story-seat {
    margin: 0;
    min-width: 0;
  }
  .story-seat > h2 {
    margin: 0 0 0.4rem;
    font-size: 0.8rem;
    font-weight: 600;
    letter-spacing: 0.04em;
    text-transform: uppercase;
    color: #5c6370;
  }
  .story-seat > h2 small {
    font-weight: 400;
    letter-spacing: 0;
    text-transform: none;
  }
  .story-seat.other rtc-call {
    --rtc-tile-min: 11rem;
  }
  .story-narrow {
    max-width: 44rem;
  }
  .story-note {
    margin: 0.75rem 0 0.5rem;
    font-size: 0.85rem;
    color: #5c6370;
  }
  /* Custom layouts slotted into <rtc-call>. */
  .stage {
    position: relative;
  }
  .stage > rtc-video.pip {
    position: absolute;
    right: 0.75rem;
    bottom: 0.75rem;
    width: 26%;
    min-width: 8rem;
    box-shadow: 0 6px 20px rgb(0 0 0 / 35%);
    border-radius: var(--rtc-radius, 0.75rem);
  }
  .tiles {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(14rem, 100%), 1fr));
    gap: 0.75rem;
  }
  .with-chat {
    display: grid;
    grid-template-columns: minmax(0, 1.8fr) minmax(15rem, 1fr);
    gap: 0.75rem;
  }
  .with-chat > rtc-chat {
    --rtc-chat-height: 100%;
    min-height: 16rem;
  }
</style>`;

/**
 * One participant's column, labelled: `label` says whose view it is (`You`, `The other participant`).
 *
 * @example
 * seat('You', 'Ada', html`<rtc-call name="Ada" …></rtc-call>`);
 */
export function seat(label: string, who: string, content: TemplateResult, variant = ''): TemplateResult {
  return html`<section class="story-seat ${variant}" aria-label="${label}: ${who}">
    <h2>${label} <small>· ${who}</small></h2>
    ${content}
  </section>`;
}

/** The other participant: a default `<rtc-call>` in the same room, so the story's call has someone to call. */
export function otherParticipant(room: string, server: string, name = 'Grace'): TemplateResult {
  return seat(
    'The other participant',
    name,
    html`<rtc-call room=${room} server=${server} name=${name} autojoin></rtc-call>`,
    'other',
  );
}

/** Lays out seats side by side (`aside`: the second one narrower). */
export function seats(content: TemplateResult, variant = ''): TemplateResult {
  return html`${frameStyles}
    <div class="story story-seats ${variant}">${content}</div>`;
}
