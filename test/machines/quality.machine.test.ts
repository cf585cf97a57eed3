import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createActor, fromCallback, type AnyEventObject } from 'xstate';
import {
  DEFAULT_LEVELS,
  DEFAULT_THRESHOLDS,
  encodingFor,
  judge,
  levelOf,
  qualityMachine,
  type QualityInput,
  type QualityLevel,
  type QualityNotification,
  type QualitySample,
} from '../../src/machines/quality.machine.js';
import type {
  EncodingSettings,
  QualitySenderCommand,
  QualitySenderEvent,
  QualitySenderInput,
} from '../../src/machines/quality.sender.js';
import { coverModel, formatCoverage } from './model.js';

/** Samples read from a real call in Chromium (test/machines/fixtures, recorded with the quality fixed at high). */
const fixture = (name: string): QualitySample[] =>
  JSON.parse(readFileSync(new URL(`./fixtures/quality-${name}.json`, import.meta.url), 'utf8'));

const sample = (fields: Partial<QualitySample>): QualitySample => ({ time: 0, ...fields });
/** A clean link with plenty of room. */
const GOOD = sample({ availableBitrate: 3_000_000, loss: 0, rtt: 0.01 });
/** Room for medium, not for high. */
const MIDDLING = sample({ availableBitrate: 400_000, loss: 0, rtt: 0.01 });
const LOSSY = sample({ availableBitrate: 3_000_000, loss: 0.2, rtt: 0.01 });
const SLOW = sample({ availableBitrate: 3_000_000, loss: 0, rtt: 1.5 });
const STARVED = sample({ availableBitrate: 30_000, loss: 0, rtt: 0.01 });

/** A quality actor with a fake sender: what it would apply is recorded, nothing is sampled on its own. */
function startActor(input: Partial<QualityInput> = {}) {
  const applied: EncodingSettings[] = [];
  const machine = qualityMachine.provide({
    actors: {
      sampler: fromCallback<QualitySenderCommand, QualitySenderInput, QualitySenderEvent>(({ receive }) => {
        receive(({ encoding }) => applied.push(encoding));
      }),
    },
  });
  const levels: QualityNotification[] = [];
  const actor = createActor(machine, { input: { sender: {} as RTCRtpSender, ...input } });
  actor.on('quality.level', (notification) => levels.push(notification));
  actor.start();
  const feed = (...samples: QualitySample[]): void => {
    for (const s of samples) actor.send({ type: 'quality.sample', sample: s });
  };
  return { actor, applied, levels, feed, level: (): QualityLevel => levelOf(actor.getSnapshot()) };
}

const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe('judge', () => {
  const { levels } = { levels: { ...DEFAULT_LEVELS } };
  it('calls loss, round trip and missing bandwidth bad, with the reason', () => {
    assert.deepEqual(judge(LOSSY, 'high', levels, DEFAULT_THRESHOLDS), { verdict: 'bad', reason: 'loss' });
    // The round trip counts only above the path's own (the lowest seen lately): a queue building up.
    assert.deepEqual(judge(SLOW, 'medium', levels, DEFAULT_THRESHOLDS, { rttFloor: 0.01 }), {
      verdict: 'bad',
      reason: 'rtt',
    });
    assert.equal(judge(SLOW, 'medium', levels, DEFAULT_THRESHOLDS, { rttFloor: 1.45 }).verdict, 'good');
    assert.deepEqual(judge(MIDDLING, 'high', levels, DEFAULT_THRESHOLDS), { verdict: 'bad', reason: 'bandwidth' });
  });
  it('calls a sample good when it is clean with headroom over the level’s need: worth a probe', () => {
    assert.equal(judge(MIDDLING, 'medium', levels, DEFAULT_THRESHOLDS).verdict, 'good'); // 400k ≥ 1.5 × 180k
    assert.equal(judge(GOOD, 'medium', levels, DEFAULT_THRESHOLDS).verdict, 'good');
    assert.equal(judge({ ...GOOD, availableBitrate: 80_000 }, 'low', levels, DEFAULT_THRESHOLDS).verdict, 'steady');
    assert.equal(judge({ ...GOOD, loss: 0.05 }, 'medium', levels, DEFAULT_THRESHOLDS).verdict, 'steady');
    assert.equal(
      judge({ ...GOOD, rtt: 0.2 }, 'medium', levels, DEFAULT_THRESHOLDS, { rttFloor: 0.01 }).verdict,
      'steady',
    );
    assert.equal(judge(GOOD, 'high', levels, DEFAULT_THRESHOLDS).verdict, 'steady'); // nothing above high
    // No loss report yet: no probe, except at audio-only, where no video is sent to report on.
    assert.equal(judge({ ...GOOD, loss: undefined }, 'low', levels, DEFAULT_THRESHOLDS).verdict, 'steady');
    assert.equal(judge({ ...GOOD, loss: undefined }, 'audio-only', levels, DEFAULT_THRESHOLDS).verdict, 'good');
    assert.equal(judge(STARVED, 'audio-only', levels, DEFAULT_THRESHOLDS).verdict, 'steady');
  });

  it('knows nothing from a sample without figures', () => {
    assert.equal(judge(sample({}), 'high', levels, DEFAULT_THRESHOLDS).verdict, 'steady');
  });
});

describe('encodingFor', () => {
  it('maps each level to sender parameters, under the app’s caps', () => {
    assert.deepEqual(encodingFor('medium', DEFAULT_LEVELS, {}), {
      active: true,
      maxBitrate: 500_000,
      maxFramerate: 30,
      scaleResolutionDownBy: 2,
      degradationPreference: undefined,
    });
    assert.equal(encodingFor('high', DEFAULT_LEVELS, { maxBitrate: 300_000 }).maxBitrate, 300_000);
    assert.equal(encodingFor('low', DEFAULT_LEVELS, { maxFramerate: 5 }).maxFramerate, 5);
    assert.equal(encodingFor('medium', DEFAULT_LEVELS, { maxFramerate: 10 }).maxFramerate, 10);
    assert.deepEqual(encodingFor('audio-only', DEFAULT_LEVELS, {}, 'balanced'), {
      active: false,
      degradationPreference: 'balanced',
    });
  });
});

describe('qualityMachine on recorded stats', () => {
  it('stays high through a clean call’s start-up, without a single change', () => {
    const { feed, levels, level, applied } = startActor();
    feed(...fixture('clean'));
    assert.equal(level(), 'high');
    assert.deepEqual(
      levels.map((l) => l.reason),
      ['start'],
    );
    assert.deepEqual(applied, [encodingFor('high', DEFAULT_LEVELS, {})]);
  });

  it('steps down on a 300 kbps, 5 %-loss, 150 ms link within 4 samples, and keeps video at low', () => {
    const { feed, levels, actor } = startActor();
    const samples = fixture('impaired');
    // No bandwidth figure yet, then the first estimate (not judged), then too little for high, twice.
    feed(...samples.slice(0, 4));
    assert.equal(levelOf(actor.getSnapshot()), 'medium');
    feed(...samples.slice(4));
    // The browser alone let the round trip climb past 4 s; the machine steps down on the queue, but not to
    // audio-only: there is bandwidth for low, and sending less cures neither random loss nor a long path.
    assert.deepEqual(
      levels.map(({ level, reason }) => `${level}:${reason}`),
      ['high:start', 'medium:bandwidth', 'low:rtt'],
    );
  });
});

describe('qualityMachine rules', () => {
  // These feed made-up samples: no warm-up, so each sample counts as it says.
  const start = (input: Partial<QualityInput> = {}) =>
    startActor({ ...input, thresholds: { warmup: 0, ...input.thresholds } });

  it('does not judge the first bandwidth estimate (the browser’s 300 kbps starting guess)', () => {
    const { feed, level } = startActor();
    feed(MIDDLING, MIDDLING);
    assert.equal(level(), 'high');
    feed(MIDDLING);
    assert.equal(level(), 'medium');
  });

  it('takes video away only for lack of bandwidth, never for loss or a long round trip', () => {
    const { feed, level } = start({ mode: 'low' });
    const auto = start();
    auto.feed(LOSSY, LOSSY, LOSSY, LOSSY); // high → medium → low
    assert.equal(auto.level(), 'low');
    auto.feed(...times(20, LOSSY), ...times(20, { ...GOOD, rtt: 2 }));
    assert.equal(auto.level(), 'low');
    auto.feed(STARVED, STARVED);
    assert.equal(auto.level(), 'audio-only');
    feed(STARVED, STARVED);
    assert.equal(level(), 'low'); // manual holds
  });

  it('steps down only after two bad samples in a row', () => {
    const { feed, level } = start();
    feed(LOSSY, GOOD, LOSSY, GOOD);
    assert.equal(level(), 'high');
    feed(LOSSY, LOSSY);
    assert.equal(level(), 'medium');
  });

  it('steps up one level after ten good samples, never more', () => {
    const { feed, level, levels } = start({ mode: 'low' });
    feed(...times(30, GOOD));
    assert.equal(level(), 'low'); // manual: holds
    const auto = start();
    auto.feed(STARVED, STARVED, STARVED, STARVED, STARVED, STARVED);
    assert.equal(auto.level(), 'audio-only');
    auto.feed(...times(9, GOOD));
    assert.equal(auto.level(), 'audio-only');
    auto.feed(GOOD);
    assert.equal(auto.level(), 'low');
    auto.feed(...times(10, GOOD));
    assert.equal(auto.level(), 'medium');
    auto.feed(...times(10, GOOD));
    assert.equal(auto.level(), 'high');
    assert.equal(auto.levels.at(-1)?.reason, 'recovered');
    assert.deepEqual(
      levels.map((l) => l.level),
      ['low'],
    );
  });

  it('on a steady link that cannot take the next level, probes ever more rarely instead of flapping', () => {
    const { feed, levels } = start();
    // 400 kbps: enough for medium (needs 180k) with headroom, not for high (needs 500k).
    feed(...times(400, MIDDLING));
    const ups = levels.filter((l) => l.level === 'high' && l.reason === 'recovered').length;
    // Down after 2 samples; each probe (10 good, then more) fails after 2 bad ones; the wait doubles up to 8×.
    let expected = 0;
    for (let at = 2, wait = 10; at + wait <= 400; at += wait + 2, wait = Math.min(wait * 2, 80)) expected++;
    assert.equal(ups, expected); // 6 probes in 400 s, the last ones 80 s apart
    assert.deepEqual(
      levels.slice(1, 5).map(({ level, reason }) => `${level}:${reason}`),
      ['medium:bandwidth', 'high:recovered', 'medium:bandwidth', 'high:recovered'],
    );
  });

  it('resets the wait once a probe holds', () => {
    const { feed, level } = start();
    feed(MIDDLING, MIDDLING); // medium
    feed(...times(10, MIDDLING)); // probe high…
    feed(MIDDLING, MIDDLING); // …which fails
    assert.equal(level(), 'medium');
    feed(...times(19, GOOD));
    assert.equal(level(), 'medium'); // twice the wait now
    feed(GOOD);
    assert.equal(level(), 'high');
    // This probe holds for ten samples: it succeeded, so the next needs ten good samples again.
    feed(...times(10, GOOD), MIDDLING, MIDDLING);
    assert.equal(level(), 'medium');
    feed(...times(10, GOOD));
    assert.equal(level(), 'high');
  });

  it('applies the app’s level and caps at once, and goes back to adapting from there', () => {
    const { actor, applied, levels, level } = start();
    actor.send({ type: 'quality.set', mode: 'low' });
    assert.ok(actor.getSnapshot().matches({ manual: 'low' }));
    assert.deepEqual(levels.at(-1), { type: 'quality.level', level: 'low', reason: 'manual', mode: 'low' });
    actor.send({ type: 'quality.caps', caps: { maxBitrate: 100_000 }, degradationPreference: 'maintain-resolution' });
    assert.deepEqual(applied.at(-1), {
      active: true,
      maxBitrate: 100_000,
      maxFramerate: 8,
      scaleResolutionDownBy: 4,
      degradationPreference: 'maintain-resolution',
    });
    actor.send({ type: 'quality.set', mode: 'auto' });
    assert.ok(actor.getSnapshot().matches({ auto: 'low' }));
    assert.equal(level(), 'low');
    actor.send({ type: 'quality.set', mode: 'audio-only' });
    assert.equal(applied.at(-1)?.active, false);
  });

  it('starts at the level the app chose', () => {
    const { actor, applied } = start({ mode: 'medium' });
    assert.ok(actor.getSnapshot().matches({ manual: 'medium' }));
    assert.equal(applied[0]?.maxBitrate, DEFAULT_LEVELS.medium.maxBitrate);
  });

  it('takes custom levels and thresholds', () => {
    const { feed, level, applied } = start({
      levels: { high: { maxBitrate: 2_500_000 } },
      thresholds: { downAfter: 1 },
    });
    assert.equal(applied[0]?.maxBitrate, 2_500_000);
    feed(LOSSY);
    assert.equal(level(), 'medium');
  });
});

describe('qualityMachine model', () => {
  it('covers every state and transition (model-based)', () => {
    const machine = qualityMachine.provide({ actors: { sampler: fromCallback(() => {}) } });
    const events: AnyEventObject[] = [
      { type: 'quality.sample', sample: GOOD },
      { type: 'quality.sample', sample: LOSSY },
      { type: 'quality.sample', sample: MIDDLING },
      { type: 'quality.sample', sample: { ...GOOD, availableBitrate: 70_000 } },
      { type: 'quality.sample', sample: { ...GOOD, loss: 0.05 } },
      { type: 'quality.sample', sample: STARVED },
      ...['auto', 'high', 'medium', 'low', 'audio-only'].map((mode) => ({ type: 'quality.set', mode })),
      { type: 'quality.caps', caps: { maxBitrate: 100_000 } },
    ];
    // One sample steps either way here, so every level is a shortest path away; the counting is tested above.
    const coverage = coverModel({
      machine,
      input: { sender: {}, thresholds: { downAfter: 1, upAfter: 1, warmup: 0 } },
      events,
    });
    console.log(formatCoverage(coverage));
    assert.deepEqual(coverage.states.missing, []);
    assert.deepEqual(coverage.transitions.missing, []);
  });
});
