import { provide } from '@lit/context';
import { html, LitElement, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { Call, callStateOf, type CallState } from '../../call.js';
import type { FileTransfer } from '../../file-transfer.js';
import { RtcDataEvent } from '../../events/rtc-data.js';
import { RtcErrorEvent } from '../../events/rtc-error.js';
import { RtcFileEvent } from '../../events/rtc-file.js';
import { RtcMessageEvent } from '../../events/rtc-message.js';
import { RtcPeerConnectedEvent } from '../../events/rtc-peer-connected.js';
import { RtcPeerJoinedEvent } from '../../events/rtc-peer-joined.js';
import { RtcPeerLeftEvent } from '../../events/rtc-peer-left.js';
import { RtcQualityEvent } from '../../events/rtc-quality.js';
import { RtcStateEvent } from '../../events/rtc-state.js';
import type { RemotePeer } from '../../events/remote-peer.js';
import { QUALITY_LEVELS, type QualityMode } from '../../machines/quality.machine.js';
import { ROOM_PATTERN, type PeerMeta } from '../../signaling/protocol.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import theme from '../theme.styles.js';
import styles from './call.styles.js';
import { internalsOf, setState } from '../states.js';

/** States a call can be in, each also a CSS state: `rtc-call:state(in-call)`. */
const STATES: readonly CallState[] = [
  'idle',
  'joining',
  'retrying',
  'waiting',
  'in-call',
  'reconnecting',
  'leaving',
  'ended',
  'failed',
];

/** A problem with the element's own attributes, found before joining. */
class AttributeError extends Error {}

/**
 * A call in one tag: joins a room on an rtc-relay and shows everyone in it.
 *
 * With no children it renders a responsive grid of `<rtc-video>` tiles (you first, then each participant) and
 * an `<rtc-controls>` bar. Children replace that layout; `<rtc-video>`, `<rtc-controls>`, `<rtc-chat>`,
 * `<rtc-stats>` and `<rtc-inspector>` anywhere inside bind to this call.
 *
 * @tagname rtc-call
 * @summary One tag gives a working video call.
 *
 * @attr {string} state - Read-only: the call's state (`idle`, `joining`, `retrying`, `waiting`, `in-call`…), reflected for CSS and tests.
 *
 * @slot - Your own layout. Replaces the default grid and controls.
 *
 * @csspart base - The wrapper of everything.
 * @csspart grid - The default grid of tiles.
 * @csspart tile - Each default `<rtc-video>` tile.
 * @csspart controls - The default `<rtc-controls>` bar.
 * @csspart status - The line that says what is happening (joining, waiting for others, retrying the relay…).
 * @csspart retry - The button that tries the relay again now, shown while retrying and after giving up.
 * @csspart error - The message shown when something goes wrong.
 *
 * @cssprop --rtc-bg - Background behind the tiles.
 * @cssprop --rtc-fg - Text colour.
 * @cssprop --rtc-accent - Accent colour of buttons and focus rings.
 * @cssprop --rtc-on-accent - Text and icons on the accent colour: white in light mode, near-black in dark.
 * @cssprop --rtc-danger - Colour of the hang-up button and errors.
 * @cssprop --rtc-ok - Colour of the speaking ring and the rejoin button.
 * @cssprop --rtc-warn - Colour of the connection badge while connecting or reconnecting.
 * @cssprop --rtc-on-warn - Text on `--rtc-warn` (the badges' text; dark by default, for contrast).
 * @cssprop --rtc-muted-fg - Secondary text.
 * @cssprop --rtc-surface - Background of bars and panels.
 * @cssprop --rtc-tile-bg - Background of a tile behind its video.
 * @cssprop --rtc-radius - Corner radius of tiles and buttons.
 * @cssprop --rtc-gap - Space between tiles.
 * @cssprop --rtc-font - Font family.
 * @cssprop --rtc-tile-min - Smallest width of a tile in the default grid.
 *
 * @cssstate idle - Not joined yet.
 * @cssstate joining - Connecting to the relay and asking for camera and microphone.
 * @cssstate retrying - The relay could not be reached or refused; trying again after a delay.
 * @cssstate waiting - In the room, alone.
 * @cssstate in-call - In the room with at least one other participant.
 * @cssstate reconnecting - The relay connection dropped; media with others carries on.
 * @cssstate leaving - Hanging up: telling the others and closing the connections.
 * @cssstate ended - Left the call.
 * @cssstate failed - Could not join (room full, relay unreachable after retries…).
 *
 * @fires {RtcStateEvent} rtc-state - The call's state changed.
 * @fires {RtcPeerJoinedEvent} rtc-peer-joined - A participant joined.
 * @fires {RtcPeerLeftEvent} rtc-peer-left - A participant left.
 * @fires {RtcPeerConnectedEvent} rtc-peer-connected - Media with a participant flows.
 * @fires {RtcMessageEvent} rtc-message - A chat message arrived, or was sent from here (`peer` is `local`).
 * @fires {RtcDataEvent} rtc-data - App data arrived on a data channel (`send(data, { channel })` on the other side).
 * @fires {RtcFileEvent} rtc-file - A file arrived whole, its SHA-256 checked.
 * @fires {RtcQualityEvent} rtc-quality - The quality of the video sent to a participant changed.
 * @fires {RtcErrorEvent} rtc-error - Something went wrong: a bad attribute, a denied camera, a full room, a relay
 *   that cannot be reached (`relay-unreachable`) or refuses (`relay-unauthorized`, `relay-origin-refused`…).
 */
export class RtcCall extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals | undefined = internalsOf(this);
  readonly #view = new CallController(this, (call) => ({
    // Read from the snapshot: the inspection event may come before the Call's own subscription runs.
    state: callStateOf(call.actor.getSnapshot()),
    peers: call.peers.map((p) => p.key).join(' '),
    relay: call.relay,
  }));
  /** Ticks once a second while a retry is due, for the countdown. */
  #ticker: ReturnType<typeof setInterval> | undefined;
  #offs: (() => void)[] = [];
  #peerMeta = new Map<string, PeerMeta>();
  #teardown = false;

  /** @internal The call this element runs, provided to the elements inside it. */
  @provide({ context: callContext })
  @state()
  accessor provided: Call | undefined;

  /** @internal The problem shown, if any. */
  @state() accessor problem = '';
  /** @internal Whether the page slotted its own layout. */
  @state() accessor slotted = false;
  /** @internal The clock the countdown reads, updated by the ticker. */
  @state() accessor now = Date.now();

  /** Room to join: 1–64 characters of `A–Z a–z 0–9 _ . -`. */
  @property({ reflect: true }) accessor room = '';

  /** WebSocket URL of the relay. Defaults to `/signal` on the page's own host. */
  @property() accessor server = '';

  /** Join as soon as the element is on the page. */
  @property({ type: Boolean }) accessor autojoin = false;

  /** Your display name, sent to the others as `meta.name`. */
  @property() accessor name = '';

  /** Join without a microphone. */
  @property({ type: Boolean, attribute: 'no-audio' }) accessor noAudio = false;

  /** Join without a camera. */
  @property({ type: Boolean, attribute: 'no-video' }) accessor noVideo = false;

  /** Extra ICE servers as JSON, e.g. `[{"urls":"stun:stun.example.org"}]`, used with the relay's. */
  @property({ attribute: 'ice-servers' }) accessor iceServers = '';

  /** `relay` sends all media through TURN (hides your address); `all` (the default) lets ICE pick the best path. */
  @property({ attribute: 'ice-transport-policy' }) accessor iceTransportPolicy = '';

  /** A relay access token (a JWT minted by your server, or `rtc-relay token`), sent as `?token=` when joining. */
  @property() accessor token = '';

  /**
   * How many times to retry a relay that cannot be reached or refuses, before giving up (`failed`): a whole
   * number, or `infinity`. Default 8 (about 20 s). Once in the call, a lost relay is retried without limit.
   */
  @property({ attribute: 'join-retries' }) accessor joinRetries = '';

  /**
   * Quality of the video you send: `auto` adapts it to each participant's link; `high`, `medium`, `low` or
   * `audio-only` fixes it. Takes effect at once, also during a call.
   */
  @property() accessor quality = 'auto';

  /** Video codecs to prefer, best first, e.g. `vp9,vp8,h264,av1`. Ones the browser lacks are skipped. */
  @property() accessor codecs = '';

  /** What the encoder gives up first on a poor link: `maintain-framerate`, `maintain-resolution` or `balanced`. */
  @property({ attribute: 'degradation-preference' }) accessor degradationPreference = '';

  // Closing or navigating away says goodbye, so the others see this participant leave at once.
  readonly #onPageHide = (event: PageTransitionEvent): void => {
    if (!event.persisted) this.leave();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.#teardown = false;
    window.addEventListener('pagehide', this.#onPageHide);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('pagehide', this.#onPageHide);
    this.#tick(false);
    // Moving the element is a disconnect and a connect in the same task: only leave if it stays out.
    this.#teardown = true;
    queueMicrotask(() => {
      if (this.#teardown && !this.isConnected) this.#dispose();
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.provided && changed.has('quality') && changed.get('quality') !== undefined) {
      const mode = this.#qualityMode();
      if (mode) this.provided.setQuality(mode);
    }
    if (this.provided && changed.has('degradationPreference') && changed.get('degradationPreference') !== undefined) {
      const preference = this.#degradationPreference();
      if (preference) this.provided.setVideoConstraints({ degradationPreference: preference });
    }
    // Joining here, before render, lets the call it creates show in this same update.
    if (
      this.autojoin &&
      (changed.has('autojoin') || changed.has('room') || changed.has('server')) &&
      this.#canAutojoin()
    )
      this.join();
  }

  protected override updated(): void {
    const state = this.state;
    if (this.getAttribute('state') !== state) this.setAttribute('state', state);
    for (const name of STATES) {
      setState(this.#internals, name, name === state);
    }
    this.#tick(this.isConnected && this.#view.value?.relay?.retryAt !== undefined && this.#retrying());
  }

  /** Whether the call waits to retry the relay now. */
  #retrying(): boolean {
    return this.state === 'retrying' || (this.state === 'reconnecting' && !!this.#view.value?.relay);
  }

  /** Starts or stops the countdown's ticker. */
  #tick(on: boolean): void {
    if (on && !this.#ticker) this.#ticker = setInterval(() => (this.now = Date.now()), 1000);
    else if (!on && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** The call's state; also reflected to the read-only `state` attribute. */
  get state(): CallState {
    return this.#view.value?.state ?? 'idle';
  }

  /** The other participants. */
  get peers(): RemotePeer[] {
    return (this.provided?.peers ?? []).map(({ key, meta }) => ({ key, meta }));
  }

  /** Your camera and microphone, once acquired. */
  get localStream(): MediaStream | undefined {
    return this.provided?.localStream;
  }

  /** The call actor, for inspection and advanced use. */
  get actor(): Call['actor'] | undefined {
    return this.provided?.actor;
  }

  #canAutojoin(): boolean {
    return this.isConnected && (this.state === 'idle' || this.state === 'ended' || this.state === 'failed');
  }

  #options(): ConstructorParameters<typeof Call>[0] {
    if (!ROOM_PATTERN.test(this.room))
      throw new AttributeError(
        this.room
          ? `room "${this.room.slice(0, 80)}" is not valid: use 1–64 letters, digits, "_", "." or "-".`
          : 'Set the room attribute to the name of the room to join.',
      );
    let server = this.server;
    if (!server) server = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
    let url: URL;
    try {
      url = new URL(server, location.href);
    } catch {
      throw new AttributeError(`server "${server.slice(0, 200)}" is not a URL; use e.g. ws://localhost:8787/signal.`);
    }
    if (url.protocol === 'http:' || url.protocol === 'https:')
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
      throw new AttributeError(`server "${server.slice(0, 200)}" must be a ws:// or wss:// URL.`);
    if (this.token) url.searchParams.set('token', this.token.trim());
    const policy = this.iceTransportPolicy.trim();
    if (policy && policy !== 'all' && policy !== 'relay')
      throw new AttributeError(`ice-transport-policy "${policy.slice(0, 40)}" must be all or relay.`);
    let iceServers: RTCIceServer[] | undefined;
    if (this.iceServers) {
      try {
        iceServers = JSON.parse(this.iceServers);
      } catch {
        throw new AttributeError('ice-servers must be JSON, e.g. [{"urls":"stun:stun.example.org"}].');
      }
      if (!Array.isArray(iceServers) || !iceServers.every((s) => s && typeof s === 'object' && 'urls' in s))
        throw new AttributeError('ice-servers must be a JSON array of {"urls": …} objects.');
    }
    const retries = this.joinRetries.trim().toLowerCase();
    let joinRetries: number | undefined;
    if (retries) {
      joinRetries = retries === 'infinity' ? Infinity : Number(retries);
      if (!Number.isInteger(joinRetries) && joinRetries !== Infinity) joinRetries = -1;
      if (joinRetries < 0)
        throw new AttributeError(
          `join-retries "${retries.slice(0, 40)}" must be a whole number (0 or more) or infinity.`,
        );
    }
    return {
      server: url.href,
      signaling: joinRetries === undefined ? undefined : { reconnect: { joinRetries } },
      room: this.room,
      meta: this.name ? { name: this.name } : {},
      media: this.noAudio && this.noVideo ? false : { audio: !this.noAudio, video: !this.noVideo },
      iceServers,
      iceTransportPolicy: (policy || undefined) as RTCIceTransportPolicy | undefined,
      codecs: this.codecs
        .split(',')
        .map((codec) => codec.trim())
        .filter(Boolean),
      quality: { mode: this.#qualityMode() ?? 'auto', degradationPreference: this.#degradationPreference() },
    };
  }

  /** The `quality` attribute as a mode; a bad value fires `rtc-error` and counts as `auto`. */
  #qualityMode(): QualityMode | undefined {
    const mode = (this.quality || 'auto').trim() as QualityMode;
    if (mode === 'auto' || QUALITY_LEVELS.includes(mode)) return mode;
    this.#fail('invalid-attribute', `quality "${mode.slice(0, 40)}" is not one of auto, ${QUALITY_LEVELS.join(', ')}.`);
    return undefined;
  }

  #degradationPreference(): RTCDegradationPreference | undefined {
    const value = this.degradationPreference.trim();
    if (!value) return undefined;
    if (['maintain-framerate', 'maintain-resolution', 'balanced'].includes(value))
      return value as RTCDegradationPreference;
    this.#fail(
      'invalid-attribute',
      `degradation-preference "${value.slice(0, 40)}" is not one of maintain-framerate, maintain-resolution, balanced.`,
    );
    return undefined;
  }

  #fail(code: string, message: string): void {
    this.problem = message;
    this.dispatchEvent(new RtcErrorEvent(code, message));
  }

  #bind(call: Call): void {
    const remote = (key: string): RemotePeer => ({ key, meta: this.#peerMeta.get(key) ?? {} });
    this.#offs = [
      call.on('state', ({ state }) => {
        if (state === 'in-call' || state === 'waiting') this.problem = '';
        this.dispatchEvent(new RtcStateEvent(state));
      }),
      call.on('peer-joined', ({ peer }) => {
        this.#peerMeta.set(peer.key, peer.meta);
        this.dispatchEvent(new RtcPeerJoinedEvent(remote(peer.key)));
      }),
      call.on('peer-left', ({ peer }) => {
        this.dispatchEvent(new RtcPeerLeftEvent(remote(peer)));
        this.#peerMeta.delete(peer);
      }),
      call.on('peer-connected', ({ peer }) => this.dispatchEvent(new RtcPeerConnectedEvent(remote(peer)))),
      call.on('error', ({ code, message }) => this.#fail(code, message)),
      call.on('data', ({ peer, channel, data }) => this.dispatchEvent(new RtcDataEvent(remote(peer), channel, data))),
      call.on('transfer', ({ transfer }) => {
        if (transfer.direction === 'receive' && transfer.state === 'done' && transfer.blob)
          this.dispatchEvent(
            new RtcFileEvent(remote(transfer.peer), new File([transfer.blob], transfer.name, { type: transfer.mime })),
          );
      }),
      call.on('quality', ({ peer, level, reason, mode }) =>
        this.dispatchEvent(new RtcQualityEvent(remote(peer), level, reason, mode)),
      ),
      call.on('message', ({ peer, text, time }) =>
        this.dispatchEvent(new RtcMessageEvent(peer === 'local' ? 'local' : remote(peer), text, time)),
      ),
    ];
  }

  #dispose(): void {
    for (const off of this.#offs) off();
    this.#offs = [];
    const call = this.provided;
    if (!call) return;
    call.leave();
    call.dispose();
    this.provided = undefined;
    this.#view.call = undefined;
  }

  #onSlotChange(event: Event): void {
    const slot = event.target as HTMLSlotElement;
    this.slotted = slot.assignedElements().length > 0;
  }

  #dismiss(): void {
    this.problem = '';
  }

  /** The Retry button: now, instead of after the backoff; after giving up, joins again. */
  #retry(): void {
    if (this.state === 'failed') this.join();
    else this.provided?.retry();
  }

  /** What the status line says while the relay cannot be reached, and after giving up. */
  #relayStatus(): string | undefined {
    const relay = this.#view.value?.relay;
    if (!relay) return undefined;
    if (this.state === 'failed')
      return `${relay.summary}: gave up after ${relay.attempt} ${relay.attempt === 1 ? 'retry' : 'retries'}.`;
    if (!this.#retrying() || relay.retryAt === undefined) return undefined;
    const seconds = Math.ceil((relay.retryAt - this.now) / 1000);
    return seconds > 0 ? `${relay.summary}: retrying in ${seconds} s.` : `${relay.summary}: retrying…`;
  }

  /**
   * Joins the room. A bad attribute is not thrown: it fires `rtc-error` and shows a message.
   *
   * @example
   * document.querySelector('rtc-call').join();
   */
  join(): void {
    let options;
    try {
      options = this.#options();
    } catch (error) {
      if (!(error instanceof AttributeError)) throw error;
      this.#fail('invalid-attribute', error.message);
      return;
    }
    if (this.provided && !['idle', 'ended', 'failed'].includes(this.state)) return;
    this.#dispose();
    this.problem = '';
    const call = new Call(options);
    this.#bind(call);
    this.provided = call;
    this.#view.call = call;
    call.join();
  }

  /** Leaves the room, saying goodbye to everyone, and releases camera and microphone. */
  leave(): void {
    this.provided?.leave();
  }

  /**
   * Sends a chat message to everyone (it fires `rtc-message` here too, with `peer` `local`), or app data on
   * another channel (`rtc-data` on the other side). Never throws: a bad channel or participant, or data JSON
   * cannot carry, fires `rtc-error`. Before joining, nothing is sent.
   *
   * @example
   * call.send('Back in 5 minutes');
   * call.send({ cursor: [12, 40] }, { channel: 'data' });
   */
  send(data: unknown, options?: { to?: string; channel?: string }): void {
    try {
      this.provided?.send(options?.channel && options.channel !== 'chat' ? data : String(data), options);
    } catch (error) {
      this.#fail('invalid-message', (error as Error).message);
    }
  }

  /**
   * Sends a file to everyone, or to one participant (`to`). Returns the transfer (progress events, `done`),
   * or `undefined` before joining or on a bad participant (which fires `rtc-error`).
   */
  sendFile(file: Blob, options?: { to?: string; name?: string }): FileTransfer | undefined {
    try {
      return this.provided?.sendFile(file, options);
    } catch (error) {
      this.#fail('invalid-message', (error as Error).message);
      return undefined;
    }
  }

  protected override render() {
    const keys = this.#view.value?.peers ? this.#view.value.peers.split(' ') : [];
    const state = this.state;
    const relayStatus = this.#relayStatus();
    const status: Partial<Record<CallState, string>> = {
      idle: 'Not in a call.',
      joining: 'Joining…',
      retrying: 'Retrying…',
      waiting: 'Waiting for others to join…',
      reconnecting: 'Connection lost. Reconnecting…',
      ended: 'You left the call.',
      failed: 'Could not join the call.',
    };
    return html`
      <div part="base" class="base">
        <div part="error" class="error" role="alert" ?hidden=${!this.problem}>
          <span>${this.problem}</span>
          <button type="button" aria-label="Dismiss message" @click=${this.#dismiss}>×</button>
        </div>
        <slot @slotchange=${this.#onSlotChange}></slot>
        <div part="grid" class="grid" ?hidden=${this.slotted} data-count=${keys.length + 1}>
          <rtc-video part="tile" exportparts="video, placeholder, name, badges" peer="local"></rtc-video>
          ${repeat(
            keys,
            (key) => key,
            (key) =>
              html`<rtc-video part="tile" exportparts="video, placeholder, name, badges" peer=${key}></rtc-video>`,
          )}
        </div>
        <p part="status" class="status" role="status" ?hidden=${this.slotted || !(relayStatus ?? status[state])}>
          <span>${relayStatus ?? status[state]}</span>
          <button part="retry" class="retry" type="button" ?hidden=${!relayStatus} @click=${this.#retry}>Retry</button>
        </p>
        <rtc-controls part="controls" ?hidden=${this.slotted}></rtc-controls>
      </div>
    `;
  }
}
