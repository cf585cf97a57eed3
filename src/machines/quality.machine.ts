import { assign, enqueueActions, setup, type AnyActorRef } from 'xstate';
import {
  qualitySenderActor,
  type EncodingSettings,
  type QualitySample,
  type QualitySenderCommand,
} from './quality.sender.js';

export type { QualitySample } from './quality.sender.js';

/** The video quality levels, best first. */
export const QUALITY_LEVELS = ['high', 'medium', 'low', 'audio-only'] as const;

/** A video quality level: what one outbound video sender is allowed to send. */
export type QualityLevel = (typeof QUALITY_LEVELS)[number];

/** `auto` adapts the level to the network; a level fixes it. */
export type QualityMode = 'auto' | QualityLevel;

/** Every {@link QualityReason}. */
export const QUALITY_REASONS = ['start', 'manual', 'bandwidth', 'loss', 'rtt', 'recovered'] as const;

/** Why the level is what it is. */
export type QualityReason =
  /** The call started at this level. */
  | 'start'
  /** The app chose the level (`setQuality`). */
  | 'manual'
  /** The link's estimated bandwidth is below what the level needs. */
  | 'bandwidth'
  /** The other side reports too many lost packets. */
  | 'loss'
  /** The round trip is too long for interactive video. */
  | 'rtt'
  /** The link has had room for the next level long enough. */
  | 'recovered';

/** What a level sends, and the bandwidth it needs. */
export interface LevelSettings {
  /** Encoder bitrate cap, in bits per second. */
  maxBitrate: number;
  /** 1 sends the camera's resolution, 2 half of it in each dimension, and so on. */
  scaleResolutionDownBy: number;
  maxFramerate: number;
  /**
   * The available outgoing bitrate (the browser's bandwidth estimate) below which this level is too much for
   * the link. Stepping up to the level needs `headroom` times this.
   */
  minBitrate: number;
}

/** When a sample counts as bad or good, and how many in a row it takes to change level. */
export interface QualityThresholds {
  /** Loss (fraction of packets, from the receiver's reports) at or above which a sample is bad. */
  badLoss: number;
  /** Loss below which a sample may be good. */
  goodLoss: number;
  /**
   * Queueing delay in seconds (the round trip above the lowest one seen lately) at or above which a sample is
   * bad: a queue building up means more is sent than the path carries. The round trip itself is not judged:
   * sending less shortens a queue, not the path.
   */
  badDelay: number;
  /** Queueing delay below which a sample may be good. */
  goodDelay: number;
  /** A sample is good for stepping up only with `headroom ×` the current level's `minBitrate` available. */
  headroom: number;
  /** Bad samples in a row that step the level down. */
  downAfter: number;
  /** Good samples in a row that step the level up (doubled after each failed probe). */
  upAfter: number;
  /** The most the wait before a probe is multiplied after failed probes. */
  maxBackoff: number;
  /**
   * Samples with a bandwidth figure whose bandwidth is not judged: the browser's estimate starts low (300 kbps
   * in Chromium) and takes a moment of probing to find a clean link's real capacity.
   */
  warmup: number;
}

/**
 * The default levels. `high` suits a 640×480–720p camera at 30 fps; each level down halves the resolution and
 * cuts the bitrate about threefold, so the picture stays sharp for its size. Each level's `minBitrate` sits
 * at about 40 % of its cap: below that the encoder starves and the picture turns to blocks, which is worse than
 * the next level down at full quality. `low` also sends 8 frames a second, not 15: it is the level of a starved,
 * often lossy link, where every frame that loses a packet freezes the picture for a round trip until its
 * retransmission comes, so fewer, complete frames freeze less (on the benchmark's lossy 650 ms link, 15 fps
 * froze twice as often as the browser alone, 8 fps 0.66× and 0.84× as often in two sessions).
 */
export const DEFAULT_LEVELS: Readonly<Record<Exclude<QualityLevel, 'audio-only'>, LevelSettings>> = {
  high: { maxBitrate: 1_500_000, scaleResolutionDownBy: 1, maxFramerate: 30, minBitrate: 500_000 },
  medium: { maxBitrate: 500_000, scaleResolutionDownBy: 2, maxFramerate: 30, minBitrate: 180_000 },
  low: { maxBitrate: 150_000, scaleResolutionDownBy: 4, maxFramerate: 8, minBitrate: 60_000 },
};

/**
 * The default thresholds. Less bandwidth than a level needs is bad at any level. At `high` and `medium`, so
 * are 10 % loss or more (more than NACK and FEC repair) and 300 ms of queueing delay (the round trip above the
 * lowest of the last minute: a queue filling up). Not at `low`: sending less fixes neither random loss nor a
 * long path, so only missing bandwidth takes video away. Two bad samples (2 s) step down, so a frozen picture
 * lasts at most that long, while a single spike does not count. A sample is good with under 3 % loss, under
 * 100 ms of queueing and 1.5× the level's need available; ten good samples in a row step up one level: a probe,
 * since only sending more tells whether the link takes it. A probe that fails (bad again within `upAfter`
 * samples) doubles the wait before the next, up to 8×, so a steady link that cannot take the next level is
 * probed ever more rarely (after 10, 20, 40, then every 80 s) instead of flapping. The first sample with a
 * bandwidth estimate is not judged on bandwidth: the estimate starts at 300 kbps and needs a moment of
 * probing, and a clean link must not start by stepping down.
 */
export const DEFAULT_THRESHOLDS: Readonly<QualityThresholds> = {
  badLoss: 0.1,
  goodLoss: 0.03,
  badDelay: 0.3,
  goodDelay: 0.1,
  headroom: 1.5,
  downAfter: 2,
  upAfter: 10,
  maxBackoff: 8,
  warmup: 1,
};

/** Caps the app sets on every level (`call.setVideoConstraints`). */
export interface VideoCaps {
  maxBitrate?: number;
  maxFramerate?: number;
}

/** Input of {@link qualityMachine}. */
export interface QualityInput {
  sender: RTCRtpSender;
  /** Where {@link QualityNotification}s go (the peer). They are also emitted. */
  parent?: AnyActorRef;
  mode?: QualityMode;
  levels?: Partial<Record<Exclude<QualityLevel, 'audio-only'>, Partial<LevelSettings>>>;
  thresholds?: Partial<QualityThresholds>;
  caps?: VideoCaps;
  degradationPreference?: RTCDegradationPreference;
  /** Ms between two samples. */
  interval?: number;
}

export interface QualityContext {
  sender: RTCRtpSender;
  parent?: AnyActorRef;
  /** The mode the machine started in. */
  mode: QualityMode;
  levels: Record<Exclude<QualityLevel, 'audio-only'>, LevelSettings>;
  thresholds: QualityThresholds;
  caps: VideoCaps;
  degradationPreference?: RTCDegradationPreference;
  interval: number;
  reason: QualityReason;
  /** Bad samples in a row. */
  bad: number;
  /** Good samples in a row. */
  good: number;
  /** Multiplies `upAfter` after failed probes. */
  backoff: number;
  /** Samples since the last step up, while that probe is still on trial; `undefined` otherwise. */
  probe?: number;
  /** The latest sample. */
  sample?: QualitySample;
  /** Samples taken so far. */
  samples: number;
  /** Samples so far that carried a bandwidth estimate (see `warmup`). */
  measured: number;
  /** The round trips of the last minute of samples: their lowest is the path's own, without queueing. */
  rtts: number[];
}

/** Events the machine takes. */
export type QualityEvent =
  | { type: 'quality.sample'; sample: QualitySample }
  | { type: 'quality.set'; mode: QualityMode }
  | { type: 'quality.caps'; caps: VideoCaps; degradationPreference?: RTCDegradationPreference };

/** What the machine tells its parent (and emits): the level after every change. */
export type QualityNotification = {
  type: 'quality.level';
  level: QualityLevel;
  reason: QualityReason;
  mode: QualityMode;
};

/** How one sample looks at a level: `bad` for the level, `good` for the next one up, or neither. */
export type Verdict = { verdict: 'bad'; reason: QualityReason } | { verdict: 'good' } | { verdict: 'steady' };

const below = (level: QualityLevel): QualityLevel | undefined => QUALITY_LEVELS[QUALITY_LEVELS.indexOf(level) + 1];
const above = (level: QualityLevel): QualityLevel | undefined => QUALITY_LEVELS[QUALITY_LEVELS.indexOf(level) - 1];

/**
 * Judges one sample at `level`. Bad: less bandwidth available than the level needs; at `high` and `medium` also
 * loss or queueing delay (the round trip above `rttFloor`) over the bad thresholds. Good (worth probing the next
 * level): loss and queueing delay both low, and `headroom ×` the level's need available.
 * Before `warmedUp`, the bandwidth estimate is not looked at.
 */
export function judge(
  sample: QualitySample,
  level: QualityLevel,
  levels: QualityContext['levels'],
  t: QualityThresholds,
  { warmedUp = true, rttFloor }: { warmedUp?: boolean; rttFloor?: number } = {},
): Verdict {
  const { loss, rtt } = sample;
  const availableBitrate = warmedUp ? sample.availableBitrate : undefined;
  const delay = rtt === undefined ? undefined : rtt - Math.min(rttFloor ?? rtt, rtt);
  if (availableBitrate !== undefined && level !== 'audio-only' && availableBitrate < levels[level].minBitrate)
    return { verdict: 'bad', reason: 'bandwidth' };
  // Loss and queueing say the sender sends too much; at low, sending less would not fix them: only a lack of
  // bandwidth takes video away.
  if (level === 'high' || level === 'medium') {
    if (loss !== undefined && loss >= t.badLoss) return { verdict: 'bad', reason: 'loss' };
    if (delay !== undefined && delay >= t.badDelay) return { verdict: 'bad', reason: 'rtt' };
  }
  // Clean, with headroom over what this level needs (for audio-only, what low needs): worth probing the next
  // level up. Only a probe can tell whether the link takes more; the browser's estimate rarely climbs far past
  // what is sent.
  const need = levels[level === 'audio-only' ? 'low' : level].minBitrate * t.headroom;
  if (
    level !== 'high' &&
    (availableBitrate === undefined || availableBitrate >= need) &&
    // No video is sent at audio-only, so there is no loss report to wait for.
    (loss === undefined ? level === 'audio-only' : loss < t.goodLoss) &&
    (delay === undefined || delay < t.goodDelay)
  )
    return { verdict: 'good' };
  return { verdict: 'steady' };
}

/** The sender encoding a level maps to, under the app's caps. */
export function encodingFor(
  level: QualityLevel,
  levels: QualityContext['levels'],
  caps: VideoCaps,
  degradationPreference?: RTCDegradationPreference,
): EncodingSettings {
  if (level === 'audio-only') return { active: false, degradationPreference };
  const settings = levels[level];
  return {
    active: true,
    maxBitrate: Math.min(settings.maxBitrate, caps.maxBitrate ?? Infinity),
    maxFramerate: Math.min(settings.maxFramerate, caps.maxFramerate ?? Infinity),
    scaleResolutionDownBy: settings.scaleResolutionDownBy,
    degradationPreference,
  };
}

/** {@link judge} for the machine: the sample of `event`, at `level`, once the bandwidth estimate has warmed up. */
const verdict = (context: QualityContext, event: QualityEvent, level: QualityLevel): Verdict =>
  event.type === 'quality.sample'
    ? judge(event.sample, level, context.levels, context.thresholds, {
        warmedUp: context.measured >= context.thresholds.warmup,
        rttFloor: context.rtts.length ? Math.min(...context.rtts) : undefined,
      })
    : { verdict: 'steady' };

/** The states of one level under `auto`: step down after bad samples, up after good ones. */
function autoLevel(level: QualityLevel) {
  const down = below(level);
  const up = above(level);
  return {
    entry: [
      { type: 'apply' as const, params: { level } },
      { type: 'announce' as const, params: { level, mode: 'auto' as const } },
    ],
    on: {
      'quality.sample': [
        ...(down
          ? [
              {
                guard: { type: 'stepDown' as const, params: { level } },
                target: down,
                // `record` last: the guards judged the sample on the context before it.
                actions: [{ type: 'steppedDown' as const, params: { level } }, 'record' as const],
              },
            ]
          : []),
        ...(up
          ? [
              {
                guard: { type: 'stepUp' as const, params: { level } },
                target: up,
                actions: ['steppedUp' as const, 'record' as const],
              },
            ]
          : []),
        { actions: [{ type: 'count' as const, params: { level } }, 'record' as const] },
      ],
      'quality.caps': { actions: ['setCaps' as const, { type: 'apply' as const, params: { level } }] },
    },
  };
}

/** The state of one level the app fixed: samples are kept, for stats, but change nothing. */
function manualLevel(level: QualityLevel) {
  return {
    entry: [
      { type: 'apply' as const, params: { level } },
      { type: 'announce' as const, params: { level, mode: level } },
    ],
    on: {
      'quality.sample': { actions: 'record' as const },
      'quality.set': {
        guard: { type: 'wants' as const, params: { mode: 'auto' as const } },
        target: `#quality.auto.${level}`,
      },
      'quality.caps': { actions: ['setCaps' as const, { type: 'apply' as const, params: { level } }] },
    },
  };
}

/** A root transition to a level the app fixes. */
const toManual = (level: QualityLevel) => ({
  guard: { type: 'wants' as const, params: { mode: level } },
  target: `.manual.${level}`,
  actions: 'manual' as const,
});

/**
 * Adaptive quality for one outbound video sender. Its `sampler` child reads the sender's `getStats()` every
 * second; under `auto` each sample is judged ({@link judge}) and the level steps down after `downAfter` bad
 * samples in a row, or up one level after `upAfter` good ones (more after failed probes). Every level maps to
 * sender encoding parameters ({@link encodingFor}) applied with `RTCRtpSender.setParameters`, so a change never
 * renegotiates. `audio-only` stops sending video. Under `manual`, the level the app set holds.
 *
 * States: `auto.{high,medium,low,audio-only}` and `manual.{high,medium,low,audio-only}`.
 */
export const qualityMachine = setup({
  types: {
    context: {} as QualityContext,
    input: {} as QualityInput,
    events: {} as QualityEvent,
    emitted: {} as QualityNotification,
  },
  actors: { sampler: qualitySenderActor },
  actions: {
    apply: enqueueActions(({ context, enqueue }, { level }: { level: QualityLevel }) => {
      enqueue.sendTo('sampler', {
        type: 'sender.apply',
        encoding: encodingFor(level, context.levels, context.caps, context.degradationPreference),
      } satisfies QualitySenderCommand);
    }),
    announce: enqueueActions(({ context, enqueue }, { level, mode }: { level: QualityLevel; mode: QualityMode }) => {
      const notification: QualityNotification = { type: 'quality.level', level, reason: context.reason, mode };
      enqueue.emit(notification);
      if (context.parent) enqueue.sendTo(context.parent, notification);
    }),
    count: assign(({ context, event }, { level }: { level: QualityLevel }) => {
      if (event.type !== 'quality.sample') return {};
      const judged = verdict(context, event, level).verdict;
      const probe = context.probe === undefined ? undefined : context.probe + 1;
      // A probe that held for `upAfter` samples succeeded: the next one needs no extra wait.
      const passed = probe !== undefined && probe >= context.thresholds.upAfter;
      return {
        bad: judged === 'bad' ? context.bad + 1 : 0,
        good: judged === 'good' ? context.good + 1 : 0,
        probe: passed ? undefined : probe,
        backoff: passed ? 1 : context.backoff,
      };
    }),
    steppedDown: assign(({ context, event }, { level }: { level: QualityLevel }) => {
      const judged = verdict(context, event, level);
      return {
        reason: judged.verdict === 'bad' ? judged.reason : context.reason,
        bad: 0,
        good: 0,
        probe: undefined,
        // Bad again while a step up is on trial: that probe failed, so wait longer before the next.
        backoff:
          context.probe !== undefined ? Math.min(context.backoff * 2, context.thresholds.maxBackoff) : context.backoff,
      };
    }),
    steppedUp: assign(() => ({
      reason: 'recovered' as const,
      bad: 0,
      good: 0,
      probe: 0,
    })),
    record: assign(({ context, event }) =>
      event.type === 'quality.sample'
        ? {
            sample: event.sample,
            samples: context.samples + 1,
            measured: context.measured + (event.sample.availableBitrate === undefined ? 0 : 1),
            rtts: event.sample.rtt === undefined ? context.rtts : [...context.rtts, event.sample.rtt].slice(-60),
          }
        : {},
    ),
    manual: assign({ reason: 'manual' as const, bad: 0, good: 0, probe: undefined }),
    setCaps: assign(({ context, event }) =>
      event.type === 'quality.caps'
        ? {
            caps: { ...context.caps, ...event.caps },
            degradationPreference: event.degradationPreference ?? context.degradationPreference,
          }
        : {},
    ),
  },
  guards: {
    stepDown: ({ context, event }, { level }: { level: QualityLevel }) =>
      verdict(context, event, level).verdict === 'bad' && context.bad + 1 >= context.thresholds.downAfter,
    stepUp: ({ context, event }, { level }: { level: QualityLevel }) =>
      verdict(context, event, level).verdict === 'good' &&
      context.good + 1 >= context.thresholds.upAfter * context.backoff,
    wants: ({ event }, { mode }: { mode: QualityMode }) => event.type === 'quality.set' && event.mode === mode,
    startsAt: ({ context }, { mode }: { mode: QualityMode }) => context.mode === mode,
  },
}).createMachine({
  id: 'quality',
  context: ({ input }) => ({
    sender: input.sender,
    parent: input.parent,
    mode: input.mode ?? 'auto',
    levels: {
      high: { ...DEFAULT_LEVELS.high, ...input.levels?.high },
      medium: { ...DEFAULT_LEVELS.medium, ...input.levels?.medium },
      low: { ...DEFAULT_LEVELS.low, ...input.levels?.low },
    },
    thresholds: { ...DEFAULT_THRESHOLDS, ...input.thresholds },
    caps: input.caps ?? {},
    degradationPreference: input.degradationPreference,
    interval: input.interval ?? 1000,
    reason: input.mode && input.mode !== 'auto' ? 'manual' : 'start',
    bad: 0,
    good: 0,
    backoff: 1,
    samples: 0,
    measured: 0,
    rtts: [],
  }),
  invoke: {
    id: 'sampler',
    src: 'sampler',
    input: ({ context }) => ({ sender: context.sender, interval: context.interval }),
  },
  initial: 'start',
  states: {
    start: {
      always: [
        ...QUALITY_LEVELS.map((level) => ({
          guard: { type: 'startsAt' as const, params: { mode: level } },
          target: `manual.${level}`,
        })),
        { target: 'auto' },
      ],
    },
    auto: {
      initial: 'high',
      states: {
        high: autoLevel('high'),
        medium: autoLevel('medium'),
        low: autoLevel('low'),
        'audio-only': autoLevel('audio-only'),
      },
    },
    manual: {
      // Always entered at a named level; `high` only satisfies XState.
      initial: 'high',
      states: {
        high: manualLevel('high'),
        medium: manualLevel('medium'),
        low: manualLevel('low'),
        'audio-only': manualLevel('audio-only'),
      },
    },
  },
  on: { 'quality.set': QUALITY_LEVELS.map(toManual) },
});

/** The level a snapshot of {@link qualityMachine} is at. */
export function levelOf(snapshot: { value: unknown }): QualityLevel {
  const value = snapshot.value as { auto?: QualityLevel; manual?: QualityLevel } | string;
  return typeof value === 'object' ? (value.auto ?? value.manual ?? 'high') : 'high';
}
