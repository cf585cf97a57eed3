import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import {
  callMachine,
  type CallEmitted,
  type CallInput,
  type CallPeer,
  type ChatMessage,
  type RelayStatus,
  type Transfer,
  type VideoConstraints,
} from './machines/call.machine.js';
import { encodeMessage } from './machines/channel.machine.js';
import { FileTransfer } from './file-transfer.js';
import { QUALITY_LEVELS, type QualityMode } from './machines/quality.machine.js';
import { composeInspectors, FlightRecorder, type TraceOptions } from './recorder/recorder.js';
import type { Trace } from './recorder/trace.js';

/** The call's lifecycle, flattened to one word. */
export type CallState =
  | 'idle'
  | 'joining'
  /** Joining, but the relay could not be reached or refused: waiting to try again (see {@link Call.relay}). */
  | 'retrying'
  | 'waiting'
  | 'in-call'
  | 'reconnecting'
  | 'leaving'
  | 'ended'
  | 'failed';

/** Options of {@link createCall}. */
export interface CreateCallOptions extends CallInput {
  /** An XState inspector (`@statelyai/inspect`'s `inspect`, or your own) receiving every actor's events. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

/** The events a {@link Call} fires, by name. */
export interface CallEventMap {
  state: { type: 'state'; state: CallState };
  'peer-joined': Extract<CallEmitted, { type: 'peer-joined' }>;
  'peer-left': Extract<CallEmitted, { type: 'peer-left' }>;
  'peer-connected': Extract<CallEmitted, { type: 'peer-connected' }>;
  track: Extract<CallEmitted, { type: 'track' }>;
  error: Extract<CallEmitted, { type: 'error' }>;
  'peer-media': Extract<CallEmitted, { type: 'peer-media' }>;
  message: Extract<CallEmitted, { type: 'message' }>;
  quality: Extract<CallEmitted, { type: 'quality' }>;
  'remote-quality': Extract<CallEmitted, { type: 'remote-quality' }>;
  data: Extract<CallEmitted, { type: 'data' }>;
  transfer: Extract<CallEmitted, { type: 'transfer' }>;
  speaker: { type: 'speaker'; deviceId: string };
}

/** Reads the one-word state from a call snapshot. */
export function callStateOf(snapshot: { value: unknown }): CallState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as CallState;
  const { room, joining } = value as { room?: string; joining?: string };
  if (room) return room as CallState;
  return joining === 'retrying' ? 'retrying' : 'joining';
}

/**
 * A call: the running call actor, with methods and typed events for apps that do not use the elements.
 */
export class Call {
  /** The call actor: inspect it, or subscribe to its snapshots. */
  readonly actor: Actor<typeof callMachine>;
  /**
   * The flight recorder, always on: the last 5 minutes (at most 10 000 events) of every actor of this call, and
   * the quality machine's link readings. `<rtc-inspector>` shows it; {@link Call.exportTrace} saves it.
   */
  readonly recorder = new FlightRecorder();
  readonly #stateListeners = new Set<(event: CallEventMap['state']) => void>();
  readonly #speakerListeners = new Set<(event: CallEventMap['speaker']) => void>();
  #state: CallState = 'idle';
  #speaker = '';

  constructor(options: CreateCallOptions) {
    const { inspect, ...input } = options;
    // The recorder sees every inspection event first; a user inspector (e.g. @statelyai/inspect) still gets them all.
    this.actor = createActor(callMachine, { input, inspect: composeInspectors(this.recorder.inspect, inspect) });
    this.actor.subscribe((snapshot) => {
      const state = callStateOf(snapshot);
      if (state === this.#state) return;
      this.#state = state;
      for (const listener of this.#stateListeners) listener({ type: 'state', state });
    });
    this.actor.start();
  }

  /** The call's lifecycle state. */
  get state(): CallState {
    return this.#state;
  }

  /**
   * Why the relay cannot be reached or joined, while the call retries (state `retrying`, or `reconnecting` when
   * the relay it was in cannot be reached again) or since it gave up (`failed`): the code, what to tell the user,
   * and when the next attempt comes. `undefined` once joined.
   */
  get relay(): RelayStatus | undefined {
    return this.actor.getSnapshot().context.relay;
  }

  /** The remote participants. */
  get peers(): CallPeer[] {
    return Object.values(this.actor.getSnapshot().context.peers);
  }

  /** Local camera and microphone, once acquired. */
  get localStream(): MediaStream | undefined {
    return this.actor.getSnapshot().context.localStream;
  }

  /** The latest chat messages, oldest first. */
  get messages(): ChatMessage[] {
    return this.actor.getSnapshot().context.messages;
  }

  /** The RTCPeerConnection to one participant, for stats. */
  connection(peer: string): RTCPeerConnection | undefined {
    return this.actor.getSnapshot().context.peers[peer]?.ref.getSnapshot().context.pc;
  }

  /**
   * Listens to one kind of event; returns the function that stops listening.
   *
   * @example
   * const off = call.on('track', ({ peer, stream }) => (videos[peer].srcObject = stream));
   */
  on<K extends keyof CallEventMap>(type: K, listener: (event: CallEventMap[K]) => void): () => void {
    if (type === 'state') {
      const stateListener = listener as (event: CallEventMap['state']) => void;
      this.#stateListeners.add(stateListener);
      return () => this.#stateListeners.delete(stateListener);
    }
    if (type === 'speaker') {
      const speakerListener = listener as (event: CallEventMap['speaker']) => void;
      this.#speakerListeners.add(speakerListener);
      return () => this.#speakerListeners.delete(speakerListener);
    }
    const subscription = this.actor.on(type as Exclude<K, 'state' | 'speaker'>, listener as never);
    return () => subscription.unsubscribe();
  }

  /** Joins the room: connects to the relay and acquires media. */
  join(): void {
    this.actor.send({ type: 'call.join' });
  }

  /**
   * Tries the relay again now, instead of waiting out the backoff (`retrying`, `reconnecting`); joins again after
   * the call gave up (`failed`) or was left (`ended`). Does nothing in other states.
   *
   * @example
   * retryButton.onclick = () => call.retry();
   */
  retry(): void {
    if (this.#state === 'failed' || this.#state === 'ended') this.join();
    else this.actor.send({ type: 'call.retry' });
  }

  /** Leaves the room, says goodbye to every peer, and releases camera and microphone. */
  leave(): void {
    this.actor.send({ type: 'call.leave' });
  }

  /**
   * Sends a message over the peer connections' data channels, to everyone or to one participant (`to`, a key).
   * On the `chat` channel (the default) it is a chat message, which `<rtc-chat>` shows; on any other channel
   * (`data`, built in, or one of the call's `channels`) it is app data: a string, anything JSON can carry, or
   * binary, which arrives as the same type in the other side's `data` event. Reliable and ordered unless the
   * channel was declared otherwise. Messages sent before a channel opens are queued, in order, not lost.
   *
   * @throws {RangeError} for a channel the call does not have, or a participant not in the call.
   * @throws {TypeError} for chat that is not a string, or data JSON cannot carry.
   * @example
   * call.send('Hello!'); // chat
   * call.send({ x: 1, y: 2 }, { channel: 'data' }); // to everyone
   * call.send(new Uint8Array([1, 2, 3]), { channel: 'game', to: peer.key });
   */
  send(data: unknown, { to, channel = 'chat' }: { to?: string; channel?: string } = {}): void {
    const { channels, peers } = this.actor.getSnapshot().context;
    if (channel === 'file' || !channels.some(({ name }) => name === channel))
      throw new RangeError(
        `No data channel "${String(channel).slice(0, 80)}": use ${channels
          .filter(({ name }) => name !== 'file')
          .map(({ name }) => name)
          .join(', ')}, or declare it in the call's channels option.`,
      );
    if (to !== undefined && !peers[to])
      throw new RangeError(`No participant "${String(to).slice(0, 80)}" in the call.`);
    if (channel === 'chat') {
      if (typeof data !== 'string') throw new TypeError('A chat message is a string.');
      this.actor.send({ type: 'call.chat', text: data, to });
      return;
    }
    this.actor.send({ type: 'call.send', channel, data: encodeMessage(data), to });
  }

  /**
   * Sends a file to everyone in the call, or to one participant (`to`), over each peer connection's `file`
   * channel: in chunks, read from the file one at a time, with backpressure (at most about 1 MiB waits in
   * the channel's buffer), and a SHA-256 checked on arrival. The other side gets it in its `transfer` event
   * (`transfer.blob`) and in `<rtc-chat>`.
   *
   * @throws {RangeError} for a participant not in the call.
   * @example
   * const transfer = call.sendFile(file);
   * transfer.addEventListener('progress', ({ loaded, total }) => console.log(loaded / total));
   * await transfer.done;
   */
  sendFile(file: Blob, { to, name }: { to?: string; name?: string } = {}): FileTransfer {
    const { peers } = this.actor.getSnapshot().context;
    if (to !== undefined && !peers[to])
      throw new RangeError(`No participant "${String(to).slice(0, 80)}" in the call.`);
    const id = crypto.randomUUID();
    const fileName = (name ?? (file as File).name ?? '') || 'file';
    const handle = new FileTransfer({
      id,
      name: fileName,
      size: file.size,
      peers: to === undefined ? Object.keys(peers) : [to],
      cancel: () => this.actor.send({ type: 'call.file.cancel', id }),
    });
    if (!handle.peers.length) return handle;
    const subscription = this.actor.on('transfer', ({ transfer }) => {
      handle.update(transfer);
      if (handle.state !== 'active') subscription.unsubscribe();
    });
    this.actor.send({ type: 'call.file.send', id, file, name: fileName, to });
    return handle;
  }

  /** File transfers with every participant, both ways, the latest last. */
  get transfers(): Transfer[] {
    return Object.values(this.actor.getSnapshot().context.transfers);
  }

  /** Stops a file transfer (one this side sends or receives); the other side is told. */
  cancelFile(id: string): void {
    this.actor.send({ type: 'call.file.cancel', id });
  }

  /** Mutes or unmutes the microphone, without renegotiation. */
  setMuted(muted: boolean): void {
    this.actor.send({ type: 'call.mute', muted });
  }

  /** Turns the camera on or off; off releases the camera, without renegotiation. */
  setCamera(on: boolean): void {
    this.actor.send({ type: 'call.camera', on });
  }

  /** Starts or stops sharing the screen in place of the camera. */
  shareScreen(on = true): void {
    this.actor.send({ type: 'call.screen', on });
  }

  /** Switches the camera or microphone to another device, keeping the call up. */
  selectDevice(kind: 'audioinput' | 'videoinput', deviceId: string): void {
    this.actor.send({ type: 'call.device', kind, deviceId });
  }

  /** The quality mode the app chose: `auto` (the default) adapts to each peer's link. */
  get quality(): QualityMode {
    return this.actor.getSnapshot().context.quality.mode ?? 'auto';
  }

  /**
   * Sets the quality of the video sent to every peer: `auto` adapts it to each link; a level fixes it.
   * `audio-only` stops sending video. Nothing renegotiates.
   *
   * @throws {RangeError} for anything but `auto`, `high`, `medium`, `low` or `audio-only`.
   * @example
   * call.setQuality('low'); // a metered connection
   * call.setQuality('auto');
   */
  setQuality(mode: QualityMode): void {
    if (mode !== 'auto' && !QUALITY_LEVELS.includes(mode))
      throw new RangeError(`Quality must be auto, ${QUALITY_LEVELS.join(', ')}; got ${JSON.stringify(mode)}.`);
    this.actor.send({ type: 'call.quality', mode });
  }

  /**
   * Adjusts the video of a live call without renegotiating: `maxBitrate` (bits/s) and `maxFramerate` cap every
   * quality level; `width` and `height` change the camera's capture with `applyConstraints`;
   * `degradationPreference` tells the encoder what to give up first when it must.
   *
   * @example
   * call.setVideoConstraints({ maxBitrate: 400_000, maxFramerate: 15, width: 320, height: 240 });
   */
  setVideoConstraints(constraints: VideoConstraints): void {
    this.actor.send({ type: 'call.video', constraints });
  }

  /** The audio output device remote participants play on (`''`: the system default). */
  get speaker(): string {
    return this.#speaker;
  }

  /** Plays remote participants on another audio output device, where the browser supports `setSinkId`. */
  setSpeaker(deviceId: string): void {
    this.#speaker = deviceId;
    for (const listener of this.#speakerListeners) listener({ type: 'speaker', deviceId });
  }

  /**
   * The flight recorder's trace of this call: a versioned JSON document (see docs/inspector.md) of what every actor
   * did lately, to attach to a bug report and replay in `<rtc-inspector>`. SDP and ICE candidates are reduced to
   * summaries (media sections, codecs, candidate types) unless `includeSdp` is set; TURN credentials never appear.
   *
   * @example
   * const json = JSON.stringify(call.exportTrace());
   * const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
   */
  exportTrace(options: TraceOptions = {}): Trace {
    return this.recorder.toTrace(options);
  }

  /** Stops the call actor and everything it runs. */
  dispose(): void {
    this.actor.stop();
  }
}

/**
 * Creates a call. It starts idle: call `join()`.
 *
 * @example
 * import { createCall } from 'rtc-kit';
 *
 * const call = createCall({ server: 'ws://localhost:8787/signal', room: 'standup', meta: { name: 'Ada' } });
 * call.on('track', ({ peer, stream }) => attach(peer, stream));
 * call.on('state', ({ state }) => console.log(state)); // joining, waiting, in-call…
 * call.join();
 */
export function createCall(options: CreateCallOptions): Call {
  return new Call(options);
}
