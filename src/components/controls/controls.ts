import { consume } from '@lit/context';
import { html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ActorRefFrom } from 'xstate';
import { callStateOf, type Call } from '../../call.js';
import type { MediaDevice, mediaMachine } from '../../machines/media.machine.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import theme from '../theme.styles.js';
import styles from './controls.styles.js';

interface ControlsView {
  joined: boolean;
  ended: boolean;
  hasMedia: boolean;
  muted: boolean;
  cameraOn: boolean;
  sharing: boolean;
  devices: MediaDevice[];
  camera: string;
  mic: string;
}

function controlsView(call: Call): ControlsView {
  const snapshot = call.actor.getSnapshot();
  const state = callStateOf(snapshot);
  const media = snapshot.children.media as ActorRefFrom<typeof mediaMachine> | undefined;
  const m = media?.getSnapshot();
  const track = (kind: 'audio' | 'video') =>
    (kind === 'audio' ? m?.context.audioTrack : m?.context.cameraTrack)?.getSettings().deviceId ?? '';
  return {
    joined: !['idle', 'ended', 'failed'].includes(state),
    ended: state === 'ended' || state === 'failed',
    hasMedia: !!m?.matches('live'),
    muted: !!m?.matches({ live: { mic: 'muted' } }),
    cameraOn: !!m?.matches({ live: { camera: 'on' } }),
    sharing: !!m?.matches({ live: { screen: 'sharing' } }),
    devices: m?.context.devices ?? [],
    camera: m?.context.selected.videoinput ?? track('video'),
    mic: m?.context.selected.audioinput ?? track('audio'),
  };
}

const icons = {
  mic: svg`<path d="M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Z M6 11a6 6 0 0 0 12 0 M12 17v4" />`,
  camera: svg`<path d="M3 7h12v10H3z M15 11l6-4v10l-6-4" />`,
  screen: svg`<path d="M3 4h18v12H3z M8 20h8 M12 16v4" />`,
  strike: svg`<path d="M4 4l16 16" />`,
  hangup: svg`<path
    d="M3 14.5c5-5 13-5 18 0l-2.5 2.5-3-1.5v-2.5a9 9 0 0 0-7 0v2.5l-3 1.5Z"
    fill="currentColor"
    stroke="none"
  />`,
};

/**
 * The call's control bar: microphone, camera, screen share and hang-up buttons, and device pickers for camera,
 * microphone and speaker (where the browser can choose the speaker). Every control is labelled and works from
 * the keyboard; toggles say their state with `aria-pressed`.
 *
 * @tagname rtc-controls
 * @summary Buttons and device pickers for a call.
 *
 * @csspart base - The bar.
 * @csspart button - Every button.
 * @csspart mic - The microphone button.
 * @csspart camera - The camera button.
 * @csspart screen - The screen share button.
 * @csspart hangup - The hang-up (or rejoin) button.
 * @csspart devices - The group of device pickers.
 * @csspart select - Every device picker.
 *
 * @cssprop --rtc-accent - Colour of pressed toggles and focus rings.
 * @cssprop --rtc-on-accent - Text and icons on the accent colour: white in light mode, near-black in dark.
 * @cssprop --rtc-danger - Colour of the hang-up button and of a muted microphone.
 * @cssprop --rtc-surface - Background of the bar.
 */
export class RtcControls extends LitElement {
  static override styles = [theme, styles];

  readonly #view = new CallController(this, controlsView, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    find: () => findCall(this, this.call, this.contextCall),
  });

  /** @internal The call of the nearest `<rtc-call>`, from context. */
  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  /** @internal */
  @state() accessor speakers: MediaDevice[] = [];

  /** Id of an `<rtc-call>` to control, when this element is not inside one. */
  @property() accessor call = '';

  /** Hide the device pickers. */
  @property({ type: Boolean, attribute: 'no-devices' }) accessor noDevices = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('contextCall') || changed.has('call')) this.#view.rebind();
  }

  get #call(): Call | undefined {
    return this.#view.call;
  }

  #toggleMic(): void {
    this.#call?.setMuted(!this.#view.value?.muted);
  }

  #toggleCamera(): void {
    this.#call?.setCamera(!this.#view.value?.cameraOn);
  }

  #toggleScreen(): void {
    this.#call?.shareScreen(!this.#view.value?.sharing);
  }

  #hangUp(): void {
    const call = this.#call;
    if (!call) return;
    if (this.#view.value?.ended) call.join();
    else call.leave();
  }

  #select(kind: 'audioinput' | 'videoinput' | 'audiooutput', event: Event): void {
    const deviceId = (event.target as HTMLSelectElement).value;
    if (kind === 'audiooutput') this.#call?.setSpeaker(deviceId);
    else this.#call?.selectDevice(kind, deviceId);
  }

  #picker(kind: 'audioinput' | 'videoinput' | 'audiooutput', label: string, selected: string) {
    const devices = (this.#view.value?.devices ?? []).filter((d) => d.kind === kind);
    if (devices.length === 0) return nothing;
    return html`
      <label class="picker">
        <span class="visually-hidden">${label}</span>
        <select part="select" aria-label=${label} @change=${(e: Event) => this.#select(kind, e)}>
          ${devices.map(
            (device, i) =>
              html`<option value=${device.deviceId} ?selected=${device.deviceId === selected}>
                ${device.label || `${label} ${i + 1}`}
              </option>`,
          )}
        </select>
      </label>
    `;
  }

  #button(part: string, label: string, pressed: boolean | undefined, onClick: () => void, icon: unknown, off = false) {
    return html`
      <button
        part="button ${part}"
        class="button ${part} ${off ? 'off' : ''}"
        type="button"
        aria-label=${label}
        title=${label}
        aria-pressed=${pressed === undefined ? nothing : String(pressed)}
        ?disabled=${!this.#view.value?.joined}
        @click=${onClick}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">${icon}${off ? icons.strike : nothing}</svg>
      </button>
    `;
  }

  protected override render() {
    const view = this.#view.value;
    const canShare = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia;
    const canChooseSpeaker = typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
    const media = !!view?.hasMedia;
    return html`
      <div part="base" class="base" role="toolbar" aria-label="Call controls">
        ${media ? this.#button('mic', 'Mute microphone', view?.muted, () => this.#toggleMic(), icons.mic, view?.muted) : nothing}
        ${
          media
            ? this.#button(
                'camera',
                'Turn camera off',
                view ? !view.cameraOn : undefined,
                () => this.#toggleCamera(),
                icons.camera,
                !view?.cameraOn,
              )
            : nothing
        }
        ${media && canShare ? this.#button('screen', 'Share screen', view?.sharing, () => this.#toggleScreen(), icons.screen) : nothing}
        <button
          part="button hangup"
          class="button hangup ${view?.ended ? 'rejoin' : ''}"
          type="button"
          aria-label=${view?.ended ? 'Join again' : 'Leave call'}
          title=${view?.ended ? 'Join again' : 'Leave call'}
          ?disabled=${!view}
          @click=${this.#hangUp}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">${icons.hangup}</svg>
        </button>
        <div part="devices" class="devices" ?hidden=${this.noDevices || !media}>
          ${this.#picker('videoinput', 'Camera', view?.camera ?? '')}
          ${this.#picker('audioinput', 'Microphone', view?.mic ?? '')}
          ${canChooseSpeaker ? this.#picker('audiooutput', 'Speaker', this.#call?.speaker ?? '') : nothing}
        </div>
      </div>
    `;
  }
}
