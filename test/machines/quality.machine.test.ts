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
    assert.deepEqual(judge(SLOW, 'medium', levels, DEFAULT_THRESHOLDS), { verdict: 'bad', reason: 'rtt' });
    assert.deepEqual(judge(MIDDLING, 'high', levels, DEFAULT_THRESHOLDS), { verdict: 'bad', reason: 'bandwidth' });
  });
  it('calls a sample good only with headroom for the next level up', () => {
    assert.equal(judge(MIDDLING, 'medium', levels, DEFAULT_THRESHOLDS).verdict, 'steady'); // 400k < 1.5 × 500k
    assert.equal(judge(GOOD, 'medium', levels, DEFAULT_THRESHOLDS).verdict, 'good');
    assert.equal(judge(GOOD, 'high', levels, DEFAULT_THRESHOLDS).verdict, 'steady'); // nothing above high
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
    assert.equal(encodingFor('low', DEFAULT_LEVELS, { maxFramerate: 10 }).maxFramerate, 10);
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

  it('steps down on a 300 kbps, 5 %-loss, 150 ms link within 4 samples, then on round trip', () => {
    const { feed, levels, actor } = startActor();
    const samples = fixture('impaired');
    // No bandwidth figure yet, then the first estimate (not judged), then too little for high, twice.
    feed(...samples.slice(0, 4));
    assert.equal(levelOf(actor.getSnapshot()), 'medium');
    feed(...samples.slice(4));
    // The browser alone let the round trip climb past 4 s; the machine keeps stepping down on it.
    assert.deepEqual(
      levels.map(({ level, reason }) => `${level}:${reason}`),
      ['high:start', 'medium:rtt', 'low:rtt', 'audio-only:loss'],
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

  it('holds a steady link between the step-down and step-up thresholds (hysteresis)', () => {
    const { feed, level, levels } = start();
    feed(MIDDLING, MIDDLING); // not enough for high
    assert.equal(level(), 'medium');
    // 400 kbps: enough for medium (needs 180k), short of the 750k that stepping up to high needs.
    feed(...times(100, MIDDLING));
    assert.equal(level(), 'medium');
    assert.equal(levels.length, 2);
  });

  it('waits twice as long before probing again after a failed probe, up to 8×', () => {
    const { feed, level } = start();
    feed(MIDDLING, MIDDLING); // medium
    feed(...times(10, GOOD)); // probe high
    assert.equal(level(), 'high');
    feed(MIDDLING, MIDDLING); // the probe fails
    assert.equal(level(), 'medium');
    feed(...times(19, GOOD));
    assert.equal(level(), 'medium');
    feed(GOOD);
    assert.equal(level(), 'high');
    // This probe holds for ten samples: it succeeded, so the wait is back to ten.
    feed(...times(10, GOOD), MIDDLING, MIDDLING, ...times(10, GOOD));
    assert.equal(level(), 'high');
    for (let round = 0; round < 5; round++) feed(MIDDLING, MIDDLING, ...times(10 * 8, GOOD));
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
      maxFramerate: 15,
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
      { type: 'quality.sample', sample: sample({ availableBitrate: 200_000 }) },
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
