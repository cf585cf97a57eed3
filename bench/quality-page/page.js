// The in-page half of `npm run bench:quality` (bench/quality.bench.ts drives it with puppeteer): two rtc-kit
// calls in one room of the relay, each showing the other's video, and snapshots of what each one receives, read
// from `getStats()`. The driver sets the network emulation before `start`, and takes a snapshot at the start and
// at the end of the measured period. See the `## Quality` section of docs/benchmarks.md.

/**
 * @typedef {typeof import('../../src/index.js').createCall} CreateCall
 * @typedef {import('../../src/index.js').Call} Call
 * @typedef {import('../../src/machines/peer.machine.js').PeerQualityOptions} PeerQualityOptions
 */

/**
 * @typedef {object} StartOptions
 * @property {string} server WebSocket URL of the relay.
 * @property {string} room A room no other run used.
 * @property {PeerQualityOptions} quality What both calls get as their `quality` option.
 */

/**
 * @typedef {object} Received What one participant has received of the other's video, cumulative since the
 *   connection started (the `inbound-rtp` video stats), and the state of its link.
 * @property {number} at performance.now() of the snapshot.
 * @property {number} packetsReceived
 * @property {number} packetsLost
 * @property {number} bytesReceived
 * @property {number} framesDecoded
 * @property {number} freezeCount
 * @property {number} totalFreezesDuration Seconds.
 * @property {number} pauseCount
 * @property {number} totalPausesDuration Seconds.
 * @property {number} nackCount NACKs this side sent, asking for lost packets again.
 * @property {number} frameWidth 0 before the first frame.
 * @property {number} frameHeight
 * @property {number | null} rtt Seconds: the selected candidate pair's `currentRoundTripTime`.
 * @property {string | null} level The quality level of the video this participant sends (rtc-kit's machine),
 *   or null when the machine is off.
 * @property {string | null} limitation The sender's `qualityLimitationReason` (the browser's own adaptation).
 */

/**
 * @typedef {object} Snapshot Both participants' {@link Received}, keyed by name.
 * @property {Received} alice What Alice receives: Bob's video.
 * @property {Received} bob What Bob receives: Alice's video.
 */

/**
 * @typedef {object} QualityBench
 * @property {(options: StartOptions) => void} start Creates both calls and joins them.
 * @property {() => Promise<boolean>} ready Both are connected and have decoded a frame of the other's video.
 * @property {() => Promise<Snapshot>} snapshot
 * @property {() => { alice: Level[], bob: Level[] }} levels The quality levels of the video each side received, as
 *   its sender's machine announced them (none when the machine is off).
 * @property {(from: number, to: number) => { alice: Stalls, bob: Stalls }} stalls Between two performance.now()
 *   times, each side's gaps in the video it shows.
 * @property {() => string[]} finish Leaves and disposes of both calls; returns the errors they reported.
 */

/**
 * @typedef {object} Stalls Gaps between the frames a <video> showed (`requestVideoFrameCallback`), counting the
 *   start and end of the window as frames: unlike `freezeCount`, a picture still frozen at the end counts.
 * @property {number} seconds Total time in gaps over {@link STALL_MS}.
 * @property {number} count
 * @property {number} longest Seconds, the longest gap of any length.
 * @property {number} frames Frames shown in the window.
 */

/**
 * @typedef {object} Level
 * @property {number} at performance.now()
 * @property {string} level
 * @property {string} reason
 */

/** @typedef {Record<string, unknown> & { type: string, id: string }} Stat */

/** A gap between shown frames longer than this is a stall. */
const STALL_MS = 1000;

/** @param {unknown} value */
const number = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * What `call` receives from its only peer, and its link.
 *
 * @param {Call} call
 * @returns {Promise<Received | null>} null before the connection has a video receiver.
 */
async function received(call) {
  const peer = call.peers[0];
  const pc = peer && call.connection(peer.key);
  if (!peer || !pc) return null;
  const at = performance.now();
  /** @type {Stat[]} */
  const stats = [];
  (await pc.getStats()).forEach((/** @type {Stat} */ stat) => stats.push(stat));
  const inbound = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
  if (!inbound) return null;
  const outbound = stats.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const transport = stats.find((s) => s.type === 'transport');
  const pair = stats.find((s) => s.type === 'candidate-pair' && s.id === transport?.selectedCandidatePairId);
  const level = peer.ref.getSnapshot().context.level?.level ?? null;
  return {
    at,
    packetsReceived: number(inbound.packetsReceived),
    packetsLost: number(inbound.packetsLost),
    bytesReceived: number(inbound.bytesReceived),
    framesDecoded: number(inbound.framesDecoded),
    freezeCount: number(inbound.freezeCount),
    totalFreezesDuration: number(inbound.totalFreezesDuration),
    pauseCount: number(inbound.pauseCount),
    totalPausesDuration: number(inbound.totalPausesDuration),
    nackCount: number(inbound.nackCount),
    frameWidth: number(inbound.frameWidth),
    frameHeight: number(inbound.frameHeight),
    rtt: typeof pair?.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null,
    level,
    limitation: typeof outbound?.qualityLimitationReason === 'string' ? outbound.qualityLimitationReason : null,
  };
}

/**
 * @param {CreateCall} createCall
 * @returns {QualityBench}
 */
function qualityBench(createCall) {
  /** @type {{ alice: Call, bob: Call } | undefined} */
  let calls;
  /** @type {string[]} */
  const notes = [];
  /** The levels of the video each participant receives: the other's `quality` events. */
  const levels = { alice: /** @type {Level[]} */ ([]), bob: /** @type {Level[]} */ ([]) };
  /** performance.now() of each frame each participant's <video> showed. */
  const shown = { alice: /** @type {number[]} */ ([]), bob: /** @type {number[]} */ ([]) };

  /** @param {Call} call @param {'alice' | 'bob'} name */
  function watch(call, name) {
    call.on('error', (error) => notes.push(`${name}: ${JSON.stringify(error)}`));
    call.on('quality', ({ level, reason }) =>
      levels[name === 'alice' ? 'bob' : 'alice'].push({ at: performance.now(), level, reason }),
    );
    call.on('track', ({ track, stream }) => {
      if (track.kind !== 'video') return;
      // Shown, like an app would: what the receiver renders is what its freeze stats describe.
      const video = document.createElement('video');
      video.muted = true;
      video.autoplay = true;
      video.playsInline = true;
      video.dataset.name = name;
      video.srcObject = stream;
      /** @type {VideoFrameRequestCallback} */
      const onFrame = (now) => {
        if (!video.isConnected) return;
        shown[name].push(now);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      for (const old of document.querySelectorAll(`video[data-name=${name}]`)) old.remove();
      document.body.append(video);
      video.play().catch(() => {});
    });
  }

  return {
    start({ server, room, quality }) {
      if (calls) throw new Error('already started');
      const make = (/** @type {string} */ name) => createCall({ server, room, meta: { name }, quality });
      calls = { alice: make('Alice'), bob: make('Bob') };
      watch(calls.alice, 'alice');
      watch(calls.bob, 'bob');
      calls.alice.join();
      calls.bob.join();
    },

    async ready() {
      if (!calls) return false;
      const connected = (/** @type {Call} */ call) => !!call.peers[0]?.ref.getSnapshot().matches('connected');
      if (!connected(calls.alice) || !connected(calls.bob)) return false;
      const [alice, bob] = await Promise.all([received(calls.alice), received(calls.bob)]);
      return !!alice && !!bob && alice.framesDecoded > 0 && bob.framesDecoded > 0;
    },

    async snapshot() {
      if (!calls) throw new Error('not started');
      const [alice, bob] = await Promise.all([received(calls.alice), received(calls.bob)]);
      if (!alice || !bob) throw new Error(`no video received by ${alice ? 'bob' : 'alice'}`);
      return { alice, bob };
    },

    levels() {
      return levels;
    },

    stalls(from, to) {
      /** @param {number[]} times @returns {Stalls} */
      const of = (times) => {
        const frames = times.filter((t) => t > from && t <= to);
        const edges = [from, ...frames, to];
        const stalls = { seconds: 0, count: 0, longest: 0, frames: frames.length };
        for (let i = 1; i < edges.length; i++) {
          const gap = /** @type {number} */ (edges[i]) - /** @type {number} */ (edges[i - 1]);
          stalls.longest = Math.max(stalls.longest, gap / 1000);
          if (gap <= STALL_MS) continue;
          stalls.seconds += gap / 1000;
          stalls.count++;
        }
        return stalls;
      };
      return { alice: of(shown.alice), bob: of(shown.bob) };
    },

    finish() {
      shown.alice = [];
      shown.bob = [];
      levels.alice = [];
      levels.bob = [];
      for (const call of calls ? [calls.alice, calls.bob] : []) {
        call.leave();
        call.dispose();
      }
      calls = undefined;
      for (const video of document.querySelectorAll('video')) {
        video.srcObject = null;
        video.remove();
      }
      return notes.splice(0);
    },
  };
}

/**
 * Called by index.html with the kit's `createCall`; exposes `window.qualityBench`.
 *
 * @param {CreateCall} createCall
 */
export function install(createCall) {
  Object.assign(window, { qualityBench: qualityBench(createCall) });
}
