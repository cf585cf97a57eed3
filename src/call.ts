import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import {
  callMachine,
  type CallEmitted,
  type CallInput,
  type CallPeer,
  type ChatMessage,
  type VideoConstraints,
} from './machines/call.machine.js';
import { QUALITY_LEVELS, type QualityMode } from './machines/quality.machine.js';
import { composeInspectors, FlightRecorder, type TraceOptions } from './recorder/recorder.js';
import type { Trace } from './recorder/trace.js';

/** The call's lifecycle, flattened to one word. */
export type CallState = 'idle' | 'joining' | 'waiting' | 'in-call' | 'reconnecting' | 'leaving' | 'ended' | 'failed';

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
  speaker: { type: 'speaker'; deviceId: string };
}

/** Reads the one-word state from a call snapshot. */
export function callStateOf(snapshot: { value: unknown }): CallState {
  const value = snapshot.value;
  if (typeof value === 'string') return value as CallState;
  const room = (value as { room?: string }).room;
  return (room ?? 'joining') as CallState;
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

  /** Leaves the room, says goodbye to every peer, and releases camera and microphone. */
  leave(): void {
    this.actor.send({ type: 'call.leave' });
  }

  /**
   * Sends a chat message to everyone in the call, over each peer connection's data channel. Messages sent
   * while a channel is still opening are queued, not lost.
   */
  send(text: string): void {
    this.actor.send({ type: 'call.send', text });
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
