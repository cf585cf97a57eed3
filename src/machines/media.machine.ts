import { assign, emit, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';

/** A device from `enumerateDevices()`, as a plain object (a `MediaDeviceInfo` does not survive cloning). */
export interface MediaDevice {
  /** Stable per origin; what `media.device.select` takes. */
  deviceId: string;
  kind: MediaDeviceKind;
  /** Human-readable name; empty before the page has been granted access. */
  label: string;
  /** Shared by the inputs and outputs of one physical device (a headset, say). */
  groupId: string;
}

/** Input kinds a user picks a device for. */
export type InputKind = 'audioinput' | 'videoinput';

/** Where a local track comes from. */
export type TrackSource = 'mic' | 'camera' | 'screen';

/** The error states of {@link mediaMachine}. */
export type MediaErrorState = 'denied' | 'not-found' | 'in-use' | 'error';

/** What a failed capture is about, for the wording of its message. */
export type MediaSubject = 'camera and microphone' | 'camera' | 'microphone' | 'screen';

/** A capture error, ready to show: the DOMException name and a sentence for the user. */
export interface MediaError {
  /** The `name` of the error the browser threw, e.g. `NotAllowedError`. */
  name: string;
  /** What happened and what the user can do about it, as one or two sentences. */
  message: string;
}

/** Input of {@link mediaMachine}. */
export interface MediaInput {
  /** Microphone constraints; `false` for no microphone. Default `true`. */
  audio?: boolean | MediaTrackConstraints;
  /** Camera constraints; `false` to start with the camera off. Default `true`. */
  video?: boolean | MediaTrackConstraints;
}

/**
 * A device switch in progress: for each kind, the device to switch to, or `null` for the browser's default
 * device (used when the device in use went away).
 */
export type DeviceRequest = { audioinput?: string | null; videoinput?: string | null };

/** The tracks peers should send, one per kind; `null` when nothing of that kind is sent. */
export interface SentTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

/** The media machine's context. */
export interface MediaContext {
  /** Microphone constraints from the input. */
  audio: boolean | MediaTrackConstraints;
  /** Camera constraints from the input. */
  video: boolean | MediaTrackConstraints;
  /**
   * The local stream: one object for the machine's life (the first acquired stream), holding the tracks peers
   * are sent (microphone, then screen or camera), so a `<video>` keeps one `srcObject`.
   */
  stream?: MediaStream;
  /** The microphone track (disabled, not stopped, while muted). */
  audioTrack?: MediaStreamTrack;
  /** The camera track; kept while screen sharing, so stopping the share is instant. */
  cameraTrack?: MediaStreamTrack;
  /** The screen capture, while `live.screen` is `sharing`. */
  screenTrack?: MediaStreamTrack;
  /** The devices `enumerateDevices()` last reported. */
  devices: MediaDevice[];
  /** Devices the user picked; absent for the browser's default. */
  selected: { audioinput?: string; videoinput?: string };
  /** Mirrors the `live.mic` region, for tracks acquired while muted. */
  muted: boolean;
  /** The switch `live.devices.switching` is making. */
  pending: DeviceRequest;
  /** What the last `track` events said, so a track is announced only when it changes. */
  sent: SentTracks;
  /** Why acquiring failed (set in the error states). */
  error?: MediaError;
  /** Why the last screen share did not start (a cancelled picker, say). */
  screenError?: MediaError;
  /** Why the last device switch or camera restart failed; the previous track stays. */
  deviceError?: MediaError;
}

/** Events the machine takes from its user. */
export type MediaCommand =
  | { type: 'media.start' }
  | { type: 'media.stop' }
  | { type: 'media.retry' }
  | { type: 'media.mute'; muted: boolean }
  | { type: 'media.camera'; on: boolean }
  | { type: 'media.screen.start' }
  | { type: 'media.screen.stop' }
  | { type: 'media.device.select'; kind: InputKind; deviceId: string }
  /** Changes the camera's constraints (resolution, say) on the live track, and for every later capture. */
  | { type: 'media.video.constraints'; constraints: MediaTrackConstraints };

/** Events the watcher actors send back, and the machine's own. */
export type MediaNotice =
  /** The `constrain` actor's answer: the error `applyConstraints` threw, if any. */
  | { type: 'media.constrained'; error?: unknown }
  | { type: 'media.devices'; devices: MediaDevice[] }
  | { type: 'media.track.ended'; kind: 'audio' | 'video'; source: TrackSource }
  /** Internal: the set of local tracks changed, so the track watcher restarts on the new set. */
  | { type: 'media.tracks.changed' };

/** Every event the machine takes. */
export type MediaEvent = MediaCommand | MediaNotice;

/** What the machine emits (`actor.on(type, …)`). */
export type MediaEmitted =
  /** The track peers should send for `kind` changed; `null`: send nothing (`replaceTrack(null)`). */
  | { type: 'track'; kind: 'audio' | 'video'; track: MediaStreamTrack | null }
  /** Acquiring failed; the machine is now in an error state, and `context.error` holds the same. */
  | { type: 'error'; error: MediaError };

/** Input of the `getUserMedia` actor. */
export interface GetUserMediaInput {
  constraints: MediaStreamConstraints;
}

/** Input of the `getDisplayMedia` actor. */
export interface GetDisplayMediaInput {
  constraints: DisplayMediaStreamOptions;
}

/** Input of the `trackWatcher` actor. */
export interface TrackWatcherInput {
  /** Every local track to watch for `ended`. */
  tracks: MediaStreamTrack[];
  /** Which of `tracks` is the screen capture; other video tracks count as the camera. */
  screenTrack?: MediaStreamTrack;
}

/** {@link describeMediaError}'s answer. */
export interface MediaErrorDescription extends MediaError {
  /** The error state the failure leads to. */
  state: MediaErrorState;
}

// A Map, not an object: an error named `constructor` must not find Object.prototype's.
const ERROR_STATES = new Map<string, MediaErrorState>([
  ['NotAllowedError', 'denied'],
  ['SecurityError', 'denied'],
  ['PermissionDeniedError', 'denied'], // Chrome before 60
  ['NotFoundError', 'not-found'],
  ['DevicesNotFoundError', 'not-found'], // Chrome before 60
  ['OverconstrainedError', 'not-found'],
  ['NotReadableError', 'in-use'],
  ['TrackStartError', 'in-use'], // Chrome before 60
  ['AbortError', 'in-use'],
]);

const SCREEN_MESSAGES: Record<MediaErrorState, string> = {
  denied: 'Screen sharing was cancelled or is not allowed on this page.',
  'not-found': 'There is no screen or window to share.',
  'in-use': 'The screen could not be captured. Try again.',
  error: 'Screen sharing could not start. Try again.',
};

function userMessage(state: MediaErrorState, name: string, subject: MediaSubject): string {
  if (subject === 'screen') {
    // Chromium refuses getDisplayMedia without a recent click or key press.
    if (name === 'InvalidStateError') return 'Screen sharing has to be started with a click or a key press.';
    if (name === 'NotSupportedError') return 'This browser cannot share the screen.';
    return SCREEN_MESSAGES[state];
  }
  const either = subject === 'camera and microphone' ? 'camera or microphone' : subject;
  const capitalized = subject.charAt(0).toUpperCase() + subject.slice(1);
  switch (state) {
    case 'denied':
      return `${capitalized} access was denied. Allow it in the browser's site settings, then try again.`;
    case 'not-found':
      return name === 'OverconstrainedError'
        ? `The selected ${either} is not available. Choose another one, then try again.`
        : `No ${either} was found. Connect one, then try again.`;
    case 'in-use':
      return `The ${either} could not be started; another app may be using it. Close that app, then try again.`;
    case 'error':
      return name === 'NotSupportedError'
        ? `This page cannot use the ${subject}: it must be opened over https (or from localhost).`
        : `The ${subject} could not be started because of an unexpected error. Reload the page, then try again.`;
  }
}

/**
 * Maps what `getUserMedia`/`getDisplayMedia` threw to an error state, and words it for the user.
 *
 * @param subject What was being captured, for the wording (default `'camera and microphone'`).
 * @example
 * describeMediaError(new DOMException('Permission denied', 'NotAllowedError'));
 * // { state: 'denied', name: 'NotAllowedError',
 * //   message: "Camera and microphone access was denied. Allow it in the browser's site settings, then try again." }
 * describeMediaError(new DOMException('Could not start video source', 'NotReadableError'), 'camera').state; // 'in-use'
 */
export function describeMediaError(
  error: unknown,
  subject: MediaSubject = 'camera and microphone',
): MediaErrorDescription {
  const name =
    typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' && error.name
      ? error.name
      : 'Error';
  const state = ERROR_STATES.get(name) ?? 'error';
  return { state, name, message: userMessage(state, name, subject) };
}

/**
 * Track constraints for one kind with a device choice applied: a device id asks for exactly that device, `null`
 * for the default device (any `deviceId` in `base` dropped), `undefined` leaves `base` as it is.
 *
 * @example
 * withDevice(true, 'cam-2'); // { deviceId: { exact: 'cam-2' } }
 * withDevice({ width: 640, deviceId: 'cam-1' }, null); // { width: 640 }
 * withDevice(false, 'cam-2'); // false
 */
export function withDevice(
  base: boolean | MediaTrackConstraints,
  deviceId: string | null | undefined,
): boolean | MediaTrackConstraints {
  if (base === false || deviceId === undefined) return base;
  const rest: MediaTrackConstraints = typeof base === 'object' ? { ...base } : {};
  delete rest.deviceId;
  if (deviceId !== null) return { ...rest, deviceId: { exact: deviceId } };
  return Object.keys(rest).length > 0 ? rest : true;
}

/**
 * The tracks peers should send: the microphone, and the screen while sharing, else the camera.
 *
 * @example
 * const { audio, video } = sentTracks(actor.getSnapshot().context);
 * if (video) pc.addTrack(video, stream);
 */
export function sentTracks(context: Pick<MediaContext, 'audioTrack' | 'cameraTrack' | 'screenTrack'>): SentTracks {
  return { audio: context.audioTrack ?? null, video: context.screenTrack ?? context.cameraTrack ?? null };
}

/**
 * Input kinds whose track is on a device that is no longer in `devices`. A list with a blank device id (what
 * browsers report before permission) proves nothing, so its kind never counts as gone.
 *
 * @example
 * goneDevices({ audioTrack, cameraTrack }, await navigator.mediaDevices.enumerateDevices()); // ['videoinput']
 */
export function goneDevices(
  context: Pick<MediaContext, 'audioTrack' | 'cameraTrack'>,
  devices: readonly Pick<MediaDevice, 'deviceId' | 'kind'>[],
): InputKind[] {
  const inUse: [InputKind, MediaStreamTrack | undefined][] = [
    ['audioinput', context.audioTrack],
    ['videoinput', context.cameraTrack],
  ];
  return inUse
    .filter(([kind, track]) => {
      const id = track?.getSettings().deviceId;
      return id !== undefined && id !== '' && !mayBeListed(devices, kind, id);
    })
    .map(([kind]) => kind);
}

/** Whether `devices` lists `id`, or cannot tell because its ids of that kind are blank. */
function mayBeListed(devices: readonly Pick<MediaDevice, 'deviceId' | 'kind'>[], kind: InputKind, id: string): boolean {
  return devices.some((device) => device.kind === kind && (device.deviceId === '' || device.deviceId === id));
}

/** What a finished device switch does: the tracks it adopts, and the ones it stops. */
interface SwitchPlan {
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
  stop: MediaStreamTrack[];
}

function planSwitch(context: MediaContext, stream: MediaStream): SwitchPlan {
  const plan: SwitchPlan = { stop: [] };
  for (const track of stream.getTracks()) {
    if (track.kind === 'audio' && !plan.audio && context.pending.audioinput !== undefined && context.audioTrack) {
      plan.audio = track;
      plan.stop.push(context.audioTrack);
    } else if (
      track.kind === 'video' &&
      !plan.video &&
      context.pending.videoinput !== undefined &&
      context.cameraTrack // the camera was turned off while switching: the new one is not wanted
    ) {
      plan.video = track;
      plan.stop.push(context.cameraTrack);
    } else {
      plan.stop.push(track);
    }
  }
  return plan;
}

function subjectOf(audio: unknown, video: unknown): MediaSubject {
  if (audio && !video) return 'microphone';
  if (video && !audio) return 'camera';
  return 'camera and microphone';
}

/** Makes `stream` hold exactly the tracks to send, in place, so whatever shows it keeps its `srcObject`. */
function syncStream(stream: MediaStream | undefined, sent: SentTracks): void {
  if (!stream) return;
  const wanted = [sent.audio, sent.video].filter((track) => track !== null);
  for (const track of stream.getTracks()) if (!wanted.includes(track)) stream.removeTrack(track);
  for (const track of wanted) if (!stream.getTracks().includes(track)) stream.addTrack(track);
}

function stopTracks(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}

function mediaDevices(): MediaDevices {
  // Undefined outside a secure context (http on a LAN address, say).
  const devices = globalThis.navigator?.mediaDevices as MediaDevices | undefined;
  if (!devices) throw new DOMException('navigator.mediaDevices is not available on this page.', 'NotSupportedError');
  return devices;
}

/**
 * A capture as an actor. A stream that arrives after the actor stopped is stopped: nobody would own its
 * tracks, and left running they would keep the camera light on.
 */
function captureActor<TInput>(capture: (devices: MediaDevices, input: TInput) => Promise<MediaStream>) {
  return fromPromise<MediaStream, TInput>(async ({ input, signal }) => {
    const stream = await capture(mediaDevices(), input);
    if (signal.aborted) {
      stopTracks(stream);
      throw new DOMException('The capture was no longer wanted.', 'AbortError');
    }
    return stream;
  });
}

/** `navigator.mediaDevices.getUserMedia`, as an actor. */
export const getUserMediaActor = captureActor<GetUserMediaInput>((devices, input) =>
  devices.getUserMedia(input.constraints),
);

/** `navigator.mediaDevices.getDisplayMedia`, as an actor. */
export const getDisplayMediaActor = captureActor<GetDisplayMediaInput>((devices, input) =>
  devices.getDisplayMedia(input.constraints),
);

/** `MediaStreamTrack.applyConstraints` on the camera, as an actor; it reports how it went. */
export const constrainActor = fromCallback<
  MediaEvent,
  { track: MediaStreamTrack; constraints: MediaTrackConstraints },
  MediaEvent
>(({ input, sendBack }) => {
  input.track.applyConstraints(input.constraints).then(
    () => sendBack({ type: 'media.constrained' }),
    (error: unknown) => sendBack({ type: 'media.constrained', error }),
  );
});

/** Sends `media.devices` with the device list at start and on every `devicechange`. */
export const deviceWatcherActor = fromCallback<MediaEvent, void, MediaEvent>(({ sendBack }) => {
  const media = globalThis.navigator?.mediaDevices as MediaDevices | undefined;
  if (!media) return () => {};
  let latest = 0;
  let stopped = false;
  const update = (): void => {
    // Two quick changes can resolve out of order; only the newest list counts.
    const call = ++latest;
    media.enumerateDevices().then(
      (list) => {
        if (stopped || call !== latest) return;
        const devices = list.map(({ deviceId, kind, label, groupId }) => ({ deviceId, kind, label, groupId }));
        sendBack({ type: 'media.devices', devices });
      },
      () => {
        // A failed enumeration keeps the last list; the next devicechange tries again.
      },
    );
  };
  media.addEventListener('devicechange', update);
  update();
  return () => {
    stopped = true;
    media.removeEventListener('devicechange', update);
  };
});

/** Sends `media.track.ended` when a track ends on its own (device unplugged, "Stop sharing" pressed). */
export const trackWatcherActor = fromCallback<MediaEvent, TrackWatcherInput, MediaEvent>(({ input, sendBack }) => {
  const cleanups = input.tracks.map((track) => {
    const kind = track.kind === 'audio' ? 'audio' : 'video';
    const source: TrackSource = kind === 'audio' ? 'mic' : track === input.screenTrack ? 'screen' : 'camera';
    const onEnded = (): void => sendBack({ type: 'media.track.ended', kind, source });
    track.addEventListener('ended', onEnded);
    return () => track.removeEventListener('ended', onEnded);
  });
  return () => cleanups.forEach((cleanup) => cleanup());
});

/**
 * Local media: acquires the camera and microphone, and keeps the tracks peers should send current through
 * mute, camera off/on, screen sharing, device switches and unplugged devices.
 *
 * `idle → acquiring → live`, or one of the error states `denied`, `not-found`, `in-use`, `error` (each takes
 * `media.retry`). `live` is parallel: `mic` (mute), `camera` (off/on), `screen` (sharing), `devices`
 * (switching) and `tracks` (the ended-track watcher). `media.stop` stops every track from any state. See the
 * `## media` section of docs/engine.md.
 *
 * Emits `track` whenever the track to send for a kind changes, and `error` on entering an error state.
 */
export const mediaMachine = setup({
  types: {
    context: {} as MediaContext,
    input: {} as MediaInput,
    events: {} as MediaEvent,
    emitted: {} as MediaEmitted,
  },
  actors: {
    getUserMedia: getUserMediaActor,
    getDisplayMedia: getDisplayMediaActor,
    deviceWatcher: deviceWatcherActor,
    trackWatcher: trackWatcherActor,
    constrain: constrainActor,
  },
  actions: {
    adoptAcquired: assign(({ context }, { stream }: { stream: MediaStream }) => ({
      stream: context.stream ?? stream,
      audioTrack: stream.getAudioTracks()[0],
      cameraTrack: stream.getVideoTracks()[0],
      muted: false,
    })),
    adoptCamera: assign((_, { stream }: { stream: MediaStream }) => ({ cameraTrack: stream.getVideoTracks()[0] })),
    adoptScreen: assign((_, { stream }: { stream: MediaStream }) => ({ screenTrack: stream.getVideoTracks()[0] })),
    stopReplacedTracks: ({ context }, { stream }: { stream: MediaStream }) => {
      const plan = planSwitch(context, stream);
      for (const track of plan.stop) track.stop();
      // A muted user stays muted on the new microphone.
      if (plan.audio) plan.audio.enabled = !context.muted;
    },
    adoptSwitched: assign(({ context }, { stream }: { stream: MediaStream }) => {
      const plan = planSwitch(context, stream);
      const selected = { ...context.selected };
      for (const kind of ['audioinput', 'videoinput'] as const) {
        const choice = context.pending[kind];
        if (choice !== undefined) selected[kind] = choice ?? undefined;
      }
      return {
        audioTrack: plan.audio ?? context.audioTrack,
        cameraTrack: plan.video ?? context.cameraTrack,
        selected,
      };
    }),
    stopCamera: ({ context }) => context.cameraTrack?.stop(),
    stopScreen: ({ context }) => context.screenTrack?.stop(),
    stopAll: ({ context }) => {
      for (const track of [context.audioTrack, context.cameraTrack, context.screenTrack]) track?.stop();
    },
    forgetCamera: assign({ cameraTrack: undefined }),
    forgetScreen: assign({ screenTrack: undefined }),
    forgetAll: assign({ audioTrack: undefined, cameraTrack: undefined, screenTrack: undefined }),
    /**
     * Announces the tracks to send that changed (or all, with `all`), makes the local stream hold exactly them,
     * and restarts the track watcher on the new set.
     */
    publish: enqueueActions(({ context, enqueue }, params?: { all: boolean }) => {
      const now = sentTracks(context);
      enqueue.assign({ sent: now });
      enqueue(() => syncStream(context.stream, now));
      for (const kind of ['audio', 'video'] as const) {
        if (!params?.all && now[kind] === context.sent[kind]) continue;
        enqueue.emit({ type: 'track', kind, track: now[kind] });
      }
      enqueue.raise({ type: 'media.tracks.changed' });
    }),
    assignMuted: assign((_, { muted }: { muted: boolean }) => ({ muted })),
    // `enabled = false` sends silence on the same track: nothing to renegotiate, unmuting is instant.
    applyMute: ({ context }) => {
      if (context.audioTrack) context.audioTrack.enabled = !context.muted;
    },
    assignDevices: assign(({ context, event }) => {
      if (event.type !== 'media.devices') return {};
      const selected = { ...context.selected };
      for (const kind of ['audioinput', 'videoinput'] as const) {
        const id = selected[kind];
        if (id !== undefined && !mayBeListed(event.devices, kind, id)) delete selected[kind];
      }
      return { devices: event.devices, selected };
    }),
    assignSelected: assign(({ context, event }) =>
      event.type === 'media.device.select' ? { selected: { ...context.selected, [event.kind]: event.deviceId } } : {},
    ),
    requestDevice: assign(({ context }, { kind, deviceId }: { kind: InputKind; deviceId: string | null }) => ({
      pending: { ...context.pending, [kind]: deviceId },
    })),
    requestDefaults: assign(({ context }, { kinds }: { kinds: InputKind[] }) => ({
      pending: { ...context.pending, ...Object.fromEntries(kinds.map((kind) => [kind, null])) },
    })),
    clearPending: assign({ pending: {} }),
    assignError: assign(({ context }, { error }: { error: unknown }) => {
      const { name, message } = describeMediaError(error, subjectOf(context.audio, context.video));
      return { error: { name, message } };
    }),
    clearError: assign({ error: undefined }),
    assignScreenError: assign((_, { error }: { error: unknown }) => {
      const { name, message } = describeMediaError(error, 'screen');
      return { screenError: { name, message } };
    }),
    clearScreenError: assign({ screenError: undefined }),
    assignDeviceError: assign((_, { error, subject }: { error: unknown; subject: MediaSubject }) => {
      const { name, message } = describeMediaError(error, subject);
      return { deviceError: { name, message } };
    }),
    clearDeviceError: assign({ deviceError: undefined }),
    /** Keeps the new camera constraints (device choice kept) and applies them to the running camera. */
    constrainCamera: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'media.video.constraints' || context.video === false) return;
      const video = { ...(typeof context.video === 'object' ? context.video : {}), ...event.constraints };
      enqueue.assign({ video });
      if (context.cameraTrack) {
        enqueue.stopChild('constrain');
        enqueue.spawnChild('constrain', { id: 'constrain', input: { track: context.cameraTrack, constraints: video } });
      }
    }),
    constrained: assign(({ event }) =>
      event.type === 'media.constrained' && event.error !== undefined
        ? { deviceError: describeMediaError(event.error, 'camera') }
        : { deviceError: undefined },
    ),
    emitError: emit(({ context }) => ({
      type: 'error' as const,
      // Always set by the transition into the error state; the fallback only satisfies the type.
      error: context.error ?? { name: 'Error', message: describeMediaError(undefined).message },
    })),
  },
  guards: {
    errorIs: (_, { error, state }: { error: unknown; state: MediaErrorState }) =>
      describeMediaError(error).state === state,
    hasVideo: (_, { stream }: { stream: MediaStream }) => stream.getVideoTracks().length > 0,
    muteRequested: ({ event }) => event.type === 'media.mute' && event.muted,
    unmuteRequested: ({ event }) => event.type === 'media.mute' && !event.muted,
    cameraOnRequested: ({ event }) => event.type === 'media.camera' && event.on,
    cameraOffRequested: ({ event }) => event.type === 'media.camera' && !event.on,
    trackEnded: ({ event }, { source }: { source: TrackSource }) =>
      event.type === 'media.track.ended' && event.source === source,
    selectsCamera: ({ event }) => event.type === 'media.device.select' && event.kind === 'videoinput',
    /** A device can be switched live when a track of its kind is running; otherwise the choice is just kept. */
    canSwitch: ({ context, event }) =>
      event.type === 'media.device.select' &&
      (event.kind === 'audioinput' ? context.audioTrack : context.cameraTrack) !== undefined,
    deviceGone: ({ context, event }) =>
      event.type === 'media.devices' && goneDevices(context, event.devices).length > 0,
  },
}).createMachine({
  id: 'media',
  context: ({ input }) => ({
    audio: input.audio ?? true,
    video: input.video ?? true,
    devices: [],
    selected: {},
    muted: false,
    pending: {},
    sent: { audio: null, video: null },
  }),
  // The device list is useful in every state: pickers before start, "plug one in" after not-found.
  invoke: { id: 'deviceWatcher', src: 'deviceWatcher' },
  initial: 'idle',
  on: {
    'media.stop': { target: '.stopped', actions: ['stopAll', 'forgetAll', 'publish'] },
    'media.devices': { actions: 'assignDevices' },
    'media.video.constraints': { actions: 'constrainCamera' },
    'media.constrained': { actions: 'constrained' },
  },
  states: {
    idle: {
      on: {
        'media.start': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
    acquiring: {
      entry: 'clearError',
      invoke: {
        id: 'acquire',
        src: 'getUserMedia',
        input: ({ context }) => ({
          constraints: {
            audio: withDevice(context.audio, context.selected.audioinput),
            video: withDevice(context.video, context.selected.videoinput),
          },
        }),
        onDone: [
          {
            guard: { type: 'hasVideo', params: ({ event }) => ({ stream: event.output }) },
            target: 'live',
            actions: [
              { type: 'adoptAcquired', params: ({ event }) => ({ stream: event.output }) },
              { type: 'publish', params: { all: true } },
            ],
          },
          {
            target: '#media.live.camera.off',
            actions: [
              { type: 'adoptAcquired', params: ({ event }) => ({ stream: event.output }) },
              { type: 'publish', params: { all: true } },
            ],
          },
        ],
        onError: [
          {
            guard: { type: 'errorIs', params: ({ event }) => ({ error: event.error, state: 'denied' as const }) },
            target: 'denied',
            actions: { type: 'assignError', params: ({ event }) => ({ error: event.error }) },
          },
          {
            guard: { type: 'errorIs', params: ({ event }) => ({ error: event.error, state: 'not-found' as const }) },
            target: 'not-found',
            actions: { type: 'assignError', params: ({ event }) => ({ error: event.error }) },
          },
          {
            guard: { type: 'errorIs', params: ({ event }) => ({ error: event.error, state: 'in-use' as const }) },
            target: 'in-use',
            actions: { type: 'assignError', params: ({ event }) => ({ error: event.error }) },
          },
          {
            target: 'error',
            actions: { type: 'assignError', params: ({ event }) => ({ error: event.error }) },
          },
        ],
      },
    },
    denied: {
      entry: 'emitError',
      on: {
        'media.retry': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
    'not-found': {
      entry: 'emitError',
      on: {
        'media.retry': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
    'in-use': {
      entry: 'emitError',
      on: {
        'media.retry': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
    error: {
      entry: 'emitError',
      on: {
        'media.retry': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
    live: {
      type: 'parallel',
      states: {
        mic: {
          initial: 'unmuted',
          states: {
            unmuted: {
              on: {
                'media.mute': {
                  guard: 'muteRequested',
                  target: 'muted',
                  actions: [{ type: 'assignMuted', params: { muted: true } }, 'applyMute'],
                },
              },
            },
            muted: {
              on: {
                'media.mute': {
                  guard: 'unmuteRequested',
                  target: 'unmuted',
                  actions: [{ type: 'assignMuted', params: { muted: false } }, 'applyMute'],
                },
              },
            },
          },
        },
        camera: {
          initial: 'on',
          states: {
            on: {
              on: {
                // Stopping (not just disabling) the track turns the camera light off; peers get replaceTrack(null).
                'media.camera': {
                  guard: 'cameraOffRequested',
                  target: 'off',
                  actions: ['stopCamera', 'forgetCamera', 'publish'],
                },
                'media.track.ended': {
                  guard: { type: 'trackEnded', params: { source: 'camera' } },
                  target: 'off',
                  actions: ['forgetCamera', 'publish'],
                },
              },
            },
            off: {
              on: {
                'media.camera': { guard: 'cameraOnRequested', target: 'starting' },
              },
            },
            starting: {
              entry: 'clearDeviceError',
              invoke: {
                id: 'startCamera',
                src: 'getUserMedia',
                input: ({ context }) => ({
                  constraints: {
                    video: withDevice(context.video || true, context.selected.videoinput),
                  },
                }),
                onDone: {
                  target: 'on',
                  actions: [{ type: 'adoptCamera', params: ({ event }) => ({ stream: event.output }) }, 'publish'],
                },
                onError: {
                  target: 'off',
                  actions: {
                    type: 'assignDeviceError',
                    params: ({ event }) => ({ error: event.error, subject: 'camera' as const }),
                  },
                },
              },
              on: {
                'media.camera': { guard: 'cameraOffRequested', target: 'off' },
                // Restart with the newly selected camera (the devices region keeps the selection).
                'media.device.select': { guard: 'selectsCamera', target: 'starting', reenter: true },
              },
            },
          },
        },
        screen: {
          initial: 'off',
          states: {
            off: {
              on: {
                'media.screen.start': { target: 'starting', actions: 'clearScreenError' },
              },
            },
            starting: {
              invoke: {
                id: 'shareScreen',
                src: 'getDisplayMedia',
                input: { constraints: { video: true } },
                onDone: {
                  target: 'sharing',
                  actions: [{ type: 'adoptScreen', params: ({ event }) => ({ stream: event.output }) }, 'publish'],
                },
                // A cancelled picker is a choice, not a failure of the call: no error state, no error event.
                onError: {
                  target: 'off',
                  actions: { type: 'assignScreenError', params: ({ event }) => ({ error: event.error }) },
                },
              },
              on: {
                'media.screen.stop': { target: 'off' },
              },
            },
            sharing: {
              on: {
                'media.screen.stop': { target: 'off', actions: ['stopScreen', 'forgetScreen', 'publish'] },
                // The browser's own "Stop sharing" button.
                'media.track.ended': {
                  guard: { type: 'trackEnded', params: { source: 'screen' } },
                  target: 'off',
                  actions: ['stopScreen', 'forgetScreen', 'publish'],
                },
              },
            },
          },
        },
        devices: {
          initial: 'idle',
          states: {
            idle: {
              entry: 'clearPending',
              on: {
                'media.device.select': [
                  {
                    guard: 'canSwitch',
                    target: 'switching',
                    actions: {
                      type: 'requestDevice',
                      params: ({ event }) => ({ kind: event.kind, deviceId: event.deviceId }),
                    },
                  },
                  { actions: 'assignSelected' },
                ],
                // An unplugged microphone: carry on with the default one.
                'media.track.ended': {
                  guard: { type: 'trackEnded', params: { source: 'mic' } },
                  target: 'switching',
                  actions: { type: 'requestDefaults', params: { kinds: ['audioinput'] } },
                },
                // A region that takes an event hides the root's handler for it, hence assignDevices again.
                'media.devices': {
                  guard: 'deviceGone',
                  target: 'switching',
                  actions: [
                    'assignDevices',
                    {
                      type: 'requestDefaults',
                      params: ({ context, event }) => ({ kinds: goneDevices(context, event.devices) }),
                    },
                  ],
                },
              },
            },
            switching: {
              entry: 'clearDeviceError',
              invoke: {
                id: 'switchDevice',
                src: 'getUserMedia',
                input: ({ context }) => ({
                  constraints: {
                    audio:
                      context.pending.audioinput === undefined
                        ? false
                        : withDevice(context.audio || true, context.pending.audioinput),
                    video:
                      context.pending.videoinput === undefined
                        ? false
                        : withDevice(context.video || true, context.pending.videoinput),
                  },
                }),
                onDone: {
                  target: 'idle',
                  actions: [
                    { type: 'stopReplacedTracks', params: ({ event }) => ({ stream: event.output }) },
                    { type: 'adoptSwitched', params: ({ event }) => ({ stream: event.output }) },
                    'publish',
                  ],
                },
                onError: {
                  target: 'idle',
                  actions: {
                    type: 'assignDeviceError',
                    params: ({ context, event }) => ({
                      error: event.error,
                      subject: subjectOf(
                        context.pending.audioinput !== undefined,
                        context.pending.videoinput !== undefined,
                      ),
                    }),
                  },
                },
              },
              on: {
                // A new request while switching restarts the switch with both requests merged.
                'media.device.select': [
                  {
                    guard: 'canSwitch',
                    target: 'switching',
                    reenter: true,
                    actions: {
                      type: 'requestDevice',
                      params: ({ event }) => ({ kind: event.kind, deviceId: event.deviceId }),
                    },
                  },
                  { actions: 'assignSelected' },
                ],
                'media.track.ended': {
                  guard: { type: 'trackEnded', params: { source: 'mic' } },
                  target: 'switching',
                  reenter: true,
                  actions: { type: 'requestDefaults', params: { kinds: ['audioinput'] } },
                },
              },
            },
          },
        },
        tracks: {
          initial: 'watching',
          states: {
            watching: {
              invoke: {
                id: 'trackWatcher',
                src: 'trackWatcher',
                input: ({ context }) => ({
                  tracks: [context.audioTrack, context.cameraTrack, context.screenTrack].filter(
                    (track) => track !== undefined,
                  ),
                  screenTrack: context.screenTrack,
                }),
              },
              on: {
                'media.tracks.changed': { target: 'watching', reenter: true },
              },
            },
          },
        },
      },
    },
    stopped: {
      on: {
        'media.start': { target: 'acquiring' },
        'media.device.select': { actions: 'assignSelected' },
      },
    },
  },
});
