import { consume } from '@lit/context';
import { html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import type { ActorRefFrom } from 'xstate';
import type { Call } from '../../call.js';
import type { mediaMachine } from '../../machines/media.machine.js';
import type { StreamQuality } from '../../machines/call.machine.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import { initials } from '../initials.js';
import theme from '../theme.styles.js';
import styles from './video.styles.js';
import { internalsOf, setState } from '../states.js';

/** Everything a tile shows, read from the call in one go. */
interface TileView {
  stream?: MediaStream;
  name: string;
  /**
   * `live`: video to show; `off`: camera off; `blocked`: camera refused; `paused`: the sender dropped to
   * audio only; `waiting`: not started yet.
   */
  video: 'live' | 'off' | 'blocked' | 'paused' | 'waiting';
  /** The quality the participant says it sends us at; absent for your own tile. */
  quality?: StreamQuality;
  micMuted: boolean;
  /** `good`, `reconnecting` or `connecting`, from the peer connection; empty for your own tile. */
  link: '' | 'good' | 'connecting' | 'reconnecting' | 'failed';
  /** Why the camera is unavailable, for your own tile. */
  message: string;
}

function localView(call: Call): TileView {
  const media = call.actor.getSnapshot().children.media as ActorRefFrom<typeof mediaMachine> | undefined;
  const snapshot = media?.getSnapshot();
  const name = String(call.actor.getSnapshot().context.meta.name ?? 'You');
  if (!snapshot) return { name, video: 'off', micMuted: true, link: '', message: '' };
  const { stream, cameraTrack, screenTrack, error } = snapshot.context;
  const sending = !!(screenTrack ?? (snapshot.matches({ live: { camera: 'on' } }) ? cameraTrack : undefined));
  let video: TileView['video'] = 'waiting';
  if (error) video = error.name === 'NotAllowedError' || error.name === 'SecurityError' ? 'blocked' : 'off';
  else if (snapshot.matches('live')) video = sending ? 'live' : 'off';
  return {
    stream,
    name,
    video,
    micMuted: snapshot.matches({ live: { mic: 'muted' } }) || !snapshot.context.audioTrack,
    link: '',
    message: error?.message ?? '',
  };
}

function remoteView(call: Call, peer: string): TileView | undefined {
  const peers = call.actor.getSnapshot().context.peers;
  const remote = peer === 'remote' ? Object.values(peers)[0] : peers[peer];
  if (!remote) return undefined;
  const snapshot = remote.ref.getSnapshot();
  const stream = snapshot.context.remoteStream;
  const link: TileView['link'] = snapshot.matches('connected')
    ? 'good'
    : snapshot.matches('disconnected') || snapshot.matches('restarting')
      ? 'reconnecting'
      : snapshot.matches('failed')
        ? 'failed'
        : 'connecting';
  const quality = remote.remoteQuality;
  const video = !remote.media.camera
    ? 'off'
    : quality?.level === 'audio-only'
      ? 'paused'
      : stream?.getVideoTracks().length
        ? 'live'
        : 'waiting';
  return {
    stream,
    name: String(remote.meta.name ?? 'Guest'),
    video,
    quality,
    micMuted: remote.media.muted,
    link,
    message: '',
  };
}

/**
 * A video tile for one participant: you, the first other participant, or a participant by key.
 *
 * Shows the participant's name, a muted-microphone badge, the state of the connection, the quality of the
 * video it sends (signal bars), and a placeholder while the camera is off, the video has not started, or the
 * sender paused video on a weak link. Remote audio plays; if the browser blocks it, the tile
 * offers a button to turn the sound on.
 *
 * @tagname rtc-video
 * @summary Renders the local or a remote participant.
 *
 * @csspart base - The tile.
 * @csspart video - The `<video>` element.
 * @csspart placeholder - What shows instead of video: initials, camera off, camera blocked.
 * @csspart name - The participant's name.
 * @csspart badges - The row of badges (microphone, connection, video quality).
 * @csspart unmute - The button shown when the browser blocked sound.
 *
 * @cssprop --rtc-tile-bg - Background of the tile behind the video.
 * @cssprop --rtc-radius - Corner radius of the tile.
 * @cssprop --rtc-speaking - Colour of the ring around a speaking participant.
 * @cssprop --rtc-accent - Background of the button that turns sound on.
 * @cssprop --rtc-on-accent - Text of that button.
 *
 * @cssstate speaking - Set while the participant speaks.
 * @cssstate video-off - Set while no video shows.
 */
export class RtcVideo extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals | undefined = internalsOf(this);
  readonly #view = new CallController<TileView | undefined>(
    this,
    (call) => (this.peer === 'local' ? localView(call) : remoteView(call, this.peer)),
    { find: () => findCall(this, this.call, this.contextCall), onCall: () => this.#followSpeaker() },
  );
  #audio?: { context: AudioContext; analyser: AnalyserNode; source: MediaStreamAudioSourceNode; timer: number };

  @query('video') accessor videoElement!: HTMLVideoElement | null;

  /** @internal */
  @state() accessor autoplayBlocked = false;

  /** @internal The call of the nearest `<rtc-call>`, from context. */
  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  /** Whose video: `local` (you), `remote` (the first other participant), or a participant's key. */
  @property({ reflect: true }) accessor peer = 'remote';

  /** Id of an `<rtc-call>` to show, when this element is not inside one. */
  @property() accessor call = '';

  /** How the video fills the tile: `cover` crops, `contain` letterboxes. */
  @property({ reflect: true }) accessor fit: 'cover' | 'contain' = 'cover';

  /** Mirror the video. Your own video is mirrored unless `no-mirror` is set. */
  @property({ type: Boolean }) accessor mirror = false;

  /** Do not mirror your own video. */
  @property({ type: Boolean, attribute: 'no-mirror' }) accessor noMirror = false;

  /** Silence this participant here. Your own tile is always silent. */
  @property({ type: Boolean }) accessor muted = false;

  #offSpeaker?: () => void;

  /** Plays on the speaker the call chose, now and whenever it changes. */
  #followSpeaker(): void {
    this.#offSpeaker?.();
    this.#offSpeaker = this.isConnected ? this.#view.call?.on('speaker', () => this.#applySpeaker()) : undefined;
    this.#applySpeaker();
  }

  #applySpeaker(): void {
    const video = this.videoElement as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    const speaker = this.#view.call?.speaker ?? '';
    if (video?.setSinkId && this.peer !== 'local') void video.setSinkId(speaker).catch(() => {});
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#followSpeaker();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#offSpeaker?.();
    this.#offSpeaker = undefined;
    this.#stopLevel();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('contextCall') || changed.has('call')) this.#view.rebind();
    if (changed.has('peer')) this.#view.refresh();
  }

  protected override updated(): void {
    const view = this.#view.value;
    const video = this.videoElement;
    if (video && video.srcObject !== (view?.stream ?? null)) {
      video.srcObject = view?.stream ?? null;
      this.#applySpeaker();
      this.#play(video);
      this.#startLevel(view?.stream);
    }
    setState(this.#internals, 'video-off', view?.video !== 'live');
  }

  /** Plays, falling back to muted playback plus an unmute button when the browser refuses sound. */
  #play(video: HTMLVideoElement): void {
    if (!video.srcObject) return;
    video.play().catch((error: DOMException) => {
      if (error.name !== 'NotAllowedError' || video.muted) return;
      video.muted = true;
      this.autoplayBlocked = true;
      void video.play().catch(() => {});
    });
  }

  #unmute(): void {
    const video = this.videoElement;
    if (!video) return;
    video.muted = false;
    void video
      .play()
      .then(() => (this.autoplayBlocked = false))
      .catch(() => {});
    this.#audio?.context.resume().catch(() => {}); // closed meanwhile: nothing to resume
  }

  /**
   * Watches the audio level to set `:state(speaking)`: from a Web Audio analyser while its AudioContext runs, and
   * otherwise, for a remote tile, from the receiver's `audioLevel` in getStats(). An AudioContext stays suspended
   * where the page may not start audio yet (Safari before a click) or the browser has no audio output (Firefox on
   * a machine without a sound server); the stats say who speaks there too.
   */
  #startLevel(stream: MediaStream | undefined): void {
    this.#stopLevel();
    if (!stream?.getAudioTracks().length || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let reading = false;
    const timer = window.setInterval(async () => {
      let level: number | undefined;
      if (context.state === 'running') {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        level = Math.sqrt(sum / samples.length);
      } else if (!reading) {
        reading = true;
        level = await this.#receivedLevel(stream).finally(() => (reading = false));
      } else return;
      if (level === undefined || this.#audio?.timer !== timer) return;
      // About -40 dBFS: louder than room noise, quieter than speech.
      const speaking = level > 0.01 && !this.#view.value?.micMuted;
      setState(this.#internals, 'speaking', speaking);
    }, 150);
    this.#audio = { context, analyser, source, timer };
  }

  /** The `audioLevel` (0–1) getStats() reports for the remote audio track of `stream`, if any. */
  async #receivedLevel(stream: MediaStream): Promise<number | undefined> {
    const call = this.#view.call;
    const key = this.peer === 'remote' ? call?.peers[0]?.key : this.peer;
    const track = stream.getAudioTracks()[0];
    const receiver =
      key && track
        ? call
            ?.connection(key)
            ?.getReceivers()
            .find((r) => r.track === track)
        : undefined;
    if (!receiver) return undefined;
    let level: number | undefined;
    try {
      (await receiver.getStats()).forEach((stat: { type: string; audioLevel?: number }) => {
        if (stat.type === 'inbound-rtp' && typeof stat.audioLevel === 'number') level = stat.audioLevel;
      });
    } catch {
      return undefined; // closed meanwhile
    }
    return level;
  }

  #stopLevel(): void {
    if (!this.#audio) return;
    clearInterval(this.#audio.timer);
    this.#audio.source.disconnect();
    void this.#audio.context.close();
    this.#audio = undefined;
    setState(this.#internals, 'speaking', false);
  }

  /** Signal bars: three for high, none for audio only; the words say it to screen readers and on hover. */
  #qualityBadge({ level, reason }: StreamQuality) {
    const bars = { high: 3, medium: 2, low: 1, 'audio-only': 0 }[level];
    const why = { bandwidth: 'low bandwidth', loss: 'packet loss', rtt: 'high latency', manual: 'set by the app' }[
      reason as 'bandwidth' | 'loss' | 'rtt' | 'manual'
    ];
    const label = `Video quality: ${level === 'audio-only' ? 'audio only' : level}${why && level !== 'high' ? `, ${why}` : ''}`;
    return html`<span class="badge quality ${level}" role="img" aria-label=${label} title=${label}>
      <svg viewBox="0 0 24 24" aria-hidden="true">
        ${[0, 1, 2].map(
          (i) =>
            svg`<rect x=${4 + i * 6} y=${16 - i * 5} width="4" height=${4 + i * 5} rx="1" class=${i < bars ? 'on' : ''} />`,
        )}
      </svg>
    </span>`;
  }

  protected override render() {
    const view = this.#view.value;
    const local = this.peer === 'local';
    const mirrored = this.mirror || (local && !this.noMirror);
    const name = view?.name ?? (local ? 'You' : '');
    const placeholder =
      view?.video === 'blocked'
        ? 'Camera blocked'
        : view?.video === 'off'
          ? 'Camera off'
          : view?.video === 'paused'
            ? view.quality?.reason === 'manual'
              ? 'Video paused to save bandwidth'
              : 'Video paused: weak connection'
            : view?.link === 'connecting' || !view
              ? 'Connecting…'
              : '';
    return html`
      <figure part="base" class="base" aria-label=${name ? `Video of ${local ? 'you' : name}` : 'Video'}>
        <video
          part="video"
          class=${mirrored ? 'mirrored' : ''}
          style="object-fit: ${this.fit === 'contain' ? 'contain' : 'cover'}"
          autoplay
          playsinline
          .muted=${local || this.muted}
          ?hidden=${view?.video !== 'live'}
        ></video>
        <div part="placeholder" class="placeholder" ?hidden=${view?.video === 'live'}>
          <span class="avatar" aria-hidden="true">${initials(name)}</span>
          ${placeholder ? html`<span class="note">${placeholder}</span>` : nothing}
          ${view?.message && view.video === 'blocked' ? html`<span class="detail">${view.message}</span>` : nothing}
        </div>
        <figcaption class="caption">
          <span part="name" class="name">${local ? `${name} (you)` : name}</span>
          <span part="badges" class="badges">
            <span
              class="badge mic"
              role="img"
              aria-label="Microphone muted"
              title="Microphone muted"
              ?hidden=${!view?.micMuted}
            >
              <svg viewBox="0 0 24 24" aria-hidden="true">
                <path d="M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Z M6 11a6 6 0 0 0 12 0 M12 17v4" />
                <path d="M4 4l16 16" class="strike" />
              </svg>
            </span>
            ${
              view?.link && view.link !== 'good'
                ? html`<span
                    class="badge link ${view.link}"
                    role="img"
                    aria-label="Connection: ${view.link}"
                    title=${view.link}
                    >${view.link === 'reconnecting' ? 'Reconnecting' : view.link === 'failed' ? 'No connection' : 'Connecting'}</span
                  >`
                : nothing
            }
            ${view?.link === 'good' && view.quality ? this.#qualityBadge(view.quality) : nothing}
          </span>
        </figcaption>
        <button part="unmute" class="unmute" type="button" ?hidden=${!this.autoplayBlocked} @click=${this.#unmute}>
          Click to turn sound on
        </button>
      </figure>
    `;
  }
}
