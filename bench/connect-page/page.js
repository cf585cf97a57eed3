// The in-page half of `npm run bench:connect` (bench/connect.bench.ts drives it with puppeteer): one run puts two
// participants in a fresh room, either two rtc-kit calls or two demo/basic-call.js calls (the floor), and times,
// with performance.now(), how long the second one takes to connect and to show video. See the `## Connect`
// section of docs/benchmarks.md for the definitions.
import { installObservers, leaks, resetRecording, timeline } from './observe.js';

/**
 * @typedef {typeof import('../../src/index.js').createCall} CreateCall
 * @typedef {typeof import('../../demo/basic-call.js').joinBasicCall} JoinBasicCall
 * @typedef {import('../../demo/basic-call.js').BasicCall} BasicCall
 * @typedef {import('xstate').InspectionEvent} InspectionEvent
 * @typedef {import('xstate').AnyActorRef} AnyActorRef
 * @typedef {'rtc-kit' | 'floor'} Impl
 */

/**
 * @typedef {object} RunOptions
 * @property {Impl} impl What joins: two rtc-kit calls, or two basic-call.js calls.
 * @property {string} server WebSocket URL of the relay.
 * @property {string} room A room no other run used.
 * @property {number} timeoutMs A run not done this long after the clock started fails.
 * @property {boolean} trace Record the joiner's steps: the observers' timeline (when the page was loaded with them,
 *   see `install`), and rtc-kit's milestones through XState inspection.
 */

/**
 * @typedef {object} Side One participant's view of a run; every time is in ms after the clock started.
 * @property {number} connected The `peer-connected` event (rtc-kit), `connectionState` `connected` (floor).
 * @property {number} frame `presentationTime` of the first remote video frame: when it was decoded and handed
 *   to the compositor.
 * @property {number} frameCallback When `requestVideoFrameCallback` ran for that frame (the next rendering step).
 * @property {number | null} frameReceived `receiveTime` of that frame (its last packet arrived), when reported.
 */

/**
 * @typedef {object} RunResult
 * @property {Impl} impl
 * @property {number} setupMs How long the first participant took to be in the room with its media (not timed).
 * @property {Side} joiner The participant whose join started the clock.
 * @property {Side} waiter The participant already in the room.
 * @property {Record<string, number>} timeline The joiner's path, seen by the same observers for both
 *   implementations (observe.js), in ms after the clock; empty when tracing is off.
 * @property {Record<string, number>} xstate rtc-kit only: the joiner's milestones from XState inspection.
 * @property {string[]} notes Errors the calls reported, and leaks found when closing.
 */

/**
 * @typedef {object} ConnectBench One run is `prepare`, `measure`, `finish`, each its own `page.evaluate`, so the
 *   driver can read the page's main-thread time around `measure` alone.
 * @property {(options: RunOptions) => Promise<void>} prepare Opens the room with the first participant in it.
 * @property {() => Promise<RunResult>} measure Starts the clock, joins the second, waits for both to see video.
 * @property {() => Promise<string[]>} finish Closes both participants (also after a failure); returns the run's
 *   notes.
 */

/**
 * @typedef {object} Frame
 * @property {number} now
 * @property {VideoFrameCallbackMetadata} metadata
 */

/**
 * @typedef {object} Participant
 * @property {() => Promise<void>} start Joins; resolves once in the room with local media.
 * @property {Promise<number>} connected performance.now() when connected to the other participant.
 * @property {Promise<Frame>} frame The first remote video frame.
 * @property {Record<string, number>} milestones performance.now() of each step the first time it happens (rtc-kit,
 *   from XState inspection).
 * @property {() => void} close Leaves, releases the media, removes the video.
 */

/** Pause between the first participant being ready and the clock, so its own start-up work is over. */
const SETTLE_MS = 100;
/** How long after closing a run everything it opened must be closed. */
const LEAK_CHECK_MS = 50;
/** Whether observe.js watches WebSocket, RTCPeerConnection and getUserMedia (see `install`). */
let observing = false;

/**
 * @template T
 * @returns {{ promise: Promise<T>, resolve: (value: T) => void }}
 */
function deferred() {
  /** @type {(value: T) => void} */
  let resolve = () => {};
  /** @type {Promise<T>} */
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === 'object' && value !== null;

/**
 * Shows `stream` in a new <video> and resolves `frame` with its first frame.
 *
 * @param {MediaStream} stream
 * @param {(frame: Frame) => void} onFrame
 */
function show(stream, onFrame) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.requestVideoFrameCallback((now, metadata) => onFrame({ now, metadata }));
  video.srcObject = stream;
  document.body.append(video);
  video.play().catch(() => {});
  return video;
}

/** @param {HTMLVideoElement | undefined} video */
function hide(video) {
  if (!video) return;
  video.srcObject = null;
  video.remove();
}

/** @returns {{ milestones: Record<string, number>, mark: (what: string) => void }} */
function milestoneLog() {
  /** @type {Record<string, number>} */
  const milestones = {};
  return { milestones, mark: (what) => (milestones[what] ??= performance.now()) };
}

/**
 * Turns XState inspection into milestones: signaling's socket open and welcome, media live and its video track
 * reaching the call, the peer actor and its connection created, and the connection states the actor reports.
 *
 * @param {(what: string) => void} mark
 * @returns {(inspection: InspectionEvent) => void}
 */
function inspector(mark) {
  return (inspection) => {
    const { id } = /** @type {AnyActorRef} */ (inspection.actorRef);
    if (inspection.type === '@xstate.actor') {
      if (id.startsWith('peer:')) mark('peer actor spawned');
      return;
    }
    if (inspection.type === '@xstate.snapshot') {
      const value = /** @type {{ value?: unknown }} */ (inspection.snapshot).value;
      if (id === 'signaling' && value === 'joining') mark('signaling: joining (socket open)');
      else if (id === 'signaling' && isObject(value) && 'joined' in value) mark('signaling: joined (welcome)');
      else if (id === 'media' && isObject(value) && 'live' in value) mark('media: live');
      return;
    }
    if (inspection.type !== '@xstate.event') return;
    const event = /** @type {Record<string, unknown>} */ (inspection.event);
    if (event.type === 'pc.created') mark('connection actor: pc.created');
    else if (event.type === 'media.track' && event.kind === 'video' && event.track) mark('call: media.track (video)');
    else if (event.type === 'pc.signaling' && event.state === 'have-local-offer')
      mark('pc.signaling: have-local-offer');
    else if (event.type === 'pc.signaling' && event.state === 'stable' && event.remote) mark('pc.signaling: stable');
    else if (event.type === 'pc.connection' && event.state === 'connected') mark('pc.connection: connected');
    else if (event.type === 'peer.connected') mark('call: peer.connected');
  };
}

/**
 * A participant on rtc-kit's `createCall`.
 *
 * @param {CreateCall} createCall
 * @param {{ server: string, room: string, name: string, trace: boolean, notes: string[] }} options
 * @returns {Participant}
 */
function kitParticipant(createCall, { server, room, name, trace, notes }) {
  const { milestones, mark } = milestoneLog();
  /** @type {ReturnType<typeof deferred<number>>} */
  const connected = deferred();
  /** @type {ReturnType<typeof deferred<Frame>>} */
  const frame = deferred();
  /** @type {HTMLVideoElement | undefined} */
  let video;
  const call = createCall({ server, room, meta: { name }, inspect: trace ? inspector(mark) : undefined });
  call.on('peer-connected', () => connected.resolve(performance.now()));
  call.on('track', ({ track, stream }) => {
    if (track.kind === 'video' && !video) video = show(stream, frame.resolve);
  });
  call.on('error', ({ code, message }) => notes.push(`${name}: ${code}: ${message}`));
  return {
    start() {
      /** @type {Promise<void>} */
      const ready = new Promise((resolve) => {
        const subscription = call.actor.subscribe((snapshot) => {
          if (snapshot.matches({ room: 'waiting' }) && snapshot.context.tracks.video) {
            subscription.unsubscribe();
            resolve();
          }
        });
      });
      call.join();
      return ready;
    },
    connected: connected.promise,
    frame: frame.promise,
    milestones,
    close() {
      const stream = call.localStream;
      call.leave();
      call.dispose();
      const live = stream?.getTracks().filter((track) => track.readyState === 'live') ?? [];
      if (live.length) notes.push(`${name}: leave() left ${live.length} local track(s) live`);
      for (const track of live) track.stop();
      hide(video);
    },
  };
}

/**
 * A participant on demo/basic-call.js, written the way demo/demo.js is: getUserMedia, then joinBasicCall.
 *
 * @param {JoinBasicCall} joinBasicCall
 * @param {{ server: string, room: string, name: string, notes: string[] }} options
 * @returns {Participant}
 */
function floorParticipant(joinBasicCall, { server, room, name, notes }) {
  /** @type {ReturnType<typeof deferred<number>>} */
  const connected = deferred();
  /** @type {ReturnType<typeof deferred<Frame>>} */
  const frame = deferred();
  /** @type {HTMLVideoElement | undefined} */
  let video;
  /** @type {MediaStream | undefined} */
  let stream;
  /** @type {BasicCall | undefined} */
  let call;
  let closed = false;
  /** @type {WeakSet<RTCPeerConnection>} */
  const watched = new WeakSet();

  /** Waits for a connection to connect. @param {RTCPeerConnection} pc */
  const watch = (pc) => {
    if (watched.has(pc)) return;
    watched.add(pc);
    if (pc.connectionState === 'connected') notes.push(`${name}: connected before it could be watched`);
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') connected.resolve(performance.now());
    });
  };

  return {
    async start() {
      const acquired = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      if (closed) {
        for (const track of acquired.getTracks()) track.stop();
        return;
      }
      stream = acquired;
      const joined = joinBasicCall({
        server,
        room,
        stream,
        meta: { name },
        onTrack(peer, remote) {
          // The answerer's connection is created when the offer arrives; this is the first moment it is visible.
          const pc = joined.peers.get(peer);
          if (pc) watch(pc);
          if (!video && remote.getVideoTracks().length) video = show(remote, frame.resolve);
        },
        onError: (message) => notes.push(`${name}: ${message}`),
      });
      call = joined;
      await joined.joined;
      // The newcomer creates its connection in the welcome handler, before this continuation runs.
      for (const pc of joined.peers.values()) watch(pc);
    },
    connected: connected.promise,
    frame: frame.promise,
    milestones: {},
    close() {
      closed = true;
      call?.leave();
      for (const track of stream?.getTracks() ?? []) track.stop();
      hide(video);
    },
  };
}

/**
 * Rejects after `ms` with what is still missing.
 *
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {() => string} what
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms, what) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout]).finally(() => clearTimeout(timer)));
}

/**
 * @param {number} t0
 * @param {number} connected
 * @param {Frame} frame
 * @returns {Side}
 */
function side(t0, connected, frame) {
  const received = frame.metadata.receiveTime;
  return {
    connected: connected - t0,
    frame: frame.metadata.presentationTime - t0,
    frameCallback: frame.now - t0,
    frameReceived: received === undefined ? null : received - t0,
  };
}

/** @param {Record<string, number>} milestones @param {number} t0 @returns {Record<string, number>} */
function since(milestones, t0) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const [what, at] of Object.entries(milestones)) if (at >= t0) out[what] = at - t0;
  return out;
}

/**
 * @param {{ createCall: CreateCall, joinBasicCall: JoinBasicCall }} implementations
 * @returns {ConnectBench}
 */
function connectBench({ createCall, joinBasicCall }) {
  /** @type {{ options: RunOptions, notes: string[], waiter: Participant, joiner?: Participant, participant: (name: string) => Participant, setupMs: number } | undefined} */
  let current;

  /** Closes whatever the run opened; with the observers on, checks that it all really closed. Returns the notes. */
  const finish = async () => {
    const run = current;
    current = undefined;
    if (!run) return [];
    run.joiner?.close();
    run.waiter.close();
    if (observing) {
      await sleep(LEAK_CHECK_MS);
      const open = Object.entries(leaks()).filter(([, n]) => n > 0);
      if (open.length)
        run.notes.push(
          `${LEAK_CHECK_MS} ms after closing, still open: ${open.map(([what, n]) => `${n} ${what}`).join(', ')}`,
        );
    }
    return run.notes;
  };

  return {
    async prepare(options) {
      await finish();
      const { impl, server, room, timeoutMs, trace } = options;
      /** @type {string[]} */
      const notes = [];
      /** @param {string} name @returns {Participant} */
      const participant = (name) =>
        impl === 'rtc-kit'
          ? kitParticipant(createCall, { server, room, name, trace, notes })
          : floorParticipant(joinBasicCall, { server, room, name, notes });
      resetRecording();
      const waiter = participant('waiter');
      current = { options, notes, waiter, participant, setupMs: NaN };
      const setupStart = performance.now();
      await withTimeout(waiter.start(), timeoutMs, () => 'the first participant never got ready');
      current.setupMs = performance.now() - setupStart;
      await sleep(SETTLE_MS);
    },

    async measure() {
      if (!current) throw new Error('measure() before prepare()');
      const { options, notes, waiter, participant, setupMs } = current;
      const joiner = participant('joiner');
      current.joiner = joiner;
      const t0 = performance.now();
      // The clock runs from here: rtc-kit's join(), or the floor's getUserMedia + joinBasicCall.
      joiner.start().catch((error) => notes.push(`joiner: ${error}`));

      /** @type {Set<string>} */
      const missing = new Set(['joiner connected', 'waiter connected', 'joiner frame', 'waiter frame']);
      /** @template T @param {Promise<T>} promise @param {string} what @returns {Promise<T>} */
      const tracked = (promise, what) => promise.finally(() => missing.delete(what));
      const [joinerConnected, waiterConnected, joinerFrame, waiterFrame] = await withTimeout(
        Promise.all([
          tracked(joiner.connected, 'joiner connected'),
          tracked(waiter.connected, 'waiter connected'),
          tracked(joiner.frame, 'joiner frame'),
          tracked(waiter.frame, 'waiter frame'),
        ]),
        options.timeoutMs,
        () => `still waiting for ${[...missing].join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}`,
      );
      return {
        impl: options.impl,
        setupMs,
        joiner: side(t0, joinerConnected, joinerFrame),
        waiter: side(t0, waiterConnected, waiterFrame),
        timeline: options.trace ? timeline(resetRecording(), t0) : {},
        xstate: since(joiner.milestones, t0),
        notes,
      };
    },

    finish,
  };
}

/**
 * Called by index.html with the two implementations; exposes `window.connectBench`. Unless the page's URL has
 * `?trace=0`, WebSocket, RTCPeerConnection and getUserMedia are observed (see observe.js).
 *
 * @param {{ createCall: CreateCall, joinBasicCall: JoinBasicCall }} implementations
 */
export function install(implementations) {
  observing = new URLSearchParams(location.search).get('trace') !== '0';
  if (observing) installObservers();
  Object.assign(window, { connectBench: connectBench(implementations) });
}
