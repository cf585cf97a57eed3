/**
 * `npm run bench:connect`: how long two participants take to connect and to see each other's video, with rtc-kit's
 * `createCall` against the floor, demo/basic-call.js (a hand-written RTCPeerConnection client), in one headless
 * Chromium. See the `## Connect` section of docs/benchmarks.md.
 *
 *   --runs N      measured runs of each implementation (default 20), alternating which goes first
 *   --warmup N    unmeasured runs of each before those (default 1)
 *   --json        print a machine-readable summary instead of the tables
 *   --dist        load the prebuilt dist/rtc-kit.js (`npm run build`) instead of bundling src/ afresh
 *   --entry FILE  bundle this entry instead of src/index.ts (a patched copy of src/, to try an engine change)
 *   --no-trace    no observers, no XState inspector, no main-thread metrics: the bare measurement
 *   --timeout MS  a run not done this long after its clock started fails (default 10000)
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'puppeteer-core';
import type { Relay } from '../server/index.js';
import { BUSY_OTHERS, cpuSample, othersCpu, type CpuSample } from './cpu.js';
import { alternate, bundleKit, numeric, runBench, startBench } from './harness.js';
import { quantile, ratioInterval, stat, type Stat } from './stats.js';
import type { ConnectBench, Impl, RunResult } from './connect-page/page.js';

/** rtc-kit may take this many times the floor's median, on both headline metrics. */
const TARGET_RATIO = 1.15;
const IMPLS = ['rtc-kit', 'floor'] as const satisfies readonly Impl[];
const PAGE_DIR = 'bench/connect-page';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    entry: { type: 'string', default: 'src/index.ts' },
    'no-trace': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '10000' },
  },
});

const config = {
  runs: numeric('runs', flags.runs, 1),
  warmup: numeric('warmup', flags.warmup, 0),
  timeoutMs: numeric('timeout', flags.timeout, 1),
  trace: !flags['no-trace'],
  kit: flags.dist ? 'dist/rtc-kit.js' : `${flags.entry}, bundled for this run`,
};

/** Main-thread time of the page during `measure`, ms. */
interface MainThread {
  taskMs: number;
  scriptMs: number;
}

/** One run's result, with what the driver adds. */
type Measured = RunResult & { mainThread?: MainThread };

/** The figures reported per implementation, each over every successful run. */
const METRICS = {
  connected: { label: 'connected (both sides)', of: (r: Measured) => Math.max(r.joiner.connected, r.waiter.connected) },
  firstFrame: { label: 'first frame (both sides)', of: (r: Measured) => Math.max(r.joiner.frame, r.waiter.frame) },
  joinerConnected: { label: '  joiner connected', of: (r: Measured) => r.joiner.connected },
  waiterConnected: { label: '  waiter connected', of: (r: Measured) => r.waiter.connected },
  joinerFrame: { label: '  joiner sees video', of: (r: Measured) => r.joiner.frame },
  waiterFrame: { label: '  waiter sees video', of: (r: Measured) => r.waiter.frame },
  mainThread: { label: 'page main thread busy', of: (r: Measured) => r.mainThread?.taskMs ?? NaN },
  script: { label: '  of which script', of: (r: Measured) => r.mainThread?.scriptMs ?? NaN },
} as const;
type Metric = keyof typeof METRICS;
/** The two metrics the target applies to. */
const HEADLINE: readonly Metric[] = ['connected', 'firstFrame'];

interface Failure {
  impl: Impl;
  run: number;
  error: string;
}

/** Everything the benchmark measured; what `--json` prints. */
interface Summary {
  chromium: string;
  cpus: number;
  config: typeof config & { targetRatio: number };
  /** Share of the machine's CPU time other processes used during the runs (Linux only). */
  othersCpu: number | null;
  stats: Record<Impl, Record<Metric, Stat> & { runs: number }>;
  /** rtc-kit's median over the floor's, per metric. */
  ratio: Record<Metric, number>;
  /** 95% bootstrap interval of the headline ratios. */
  ratioInterval: Partial<Record<Metric, [number, number]>>;
  /** No run failed, and both headline ratios are within the target. */
  pass: boolean;
  /**
   * Each of the joiner's steps (see bench/connect-page/observe.js), ms after the clock, and in how many runs it
   * was seen; rtc-kit's also has its XState milestones.
   */
  steps: Record<Impl, Record<string, Stat & { seen: number }>>;
  /** Median setup time of the waiting participant (not part of the measurement). */
  setupMs: Record<Impl, number>;
  failures: Failure[];
  notes: string[];
  runs: Measured[];
}

/** Writes the kit to `outfile`: the prebuilt dist/rtc-kit.js with --dist, else `--entry` bundled afresh. */
async function bundle(outfile: string): Promise<void> {
  if (!flags.dist) return bundleKit(outfile, { entryPoints: [flags.entry] });
  let built = '';
  try {
    built = readFileSync('dist/rtc-kit.js', 'utf8');
  } catch {
    // Reported below.
  }
  if (!/\bcreateCall\b/.test(built))
    throw new Error('dist/rtc-kit.js is missing or predates createCall: run `npm run build` first.');
  writeFileSync(outfile, built);
}

/** Waits until the relay holds no peer: the previous run has really left. */
async function relayEmpty(r: Relay): Promise<void> {
  const deadline = Date.now() + 5000;
  while (r.health().peers > 0) {
    if (Date.now() > deadline) throw new Error(`the relay still holds ${r.health().peers} peer(s) after a run`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The page's main-thread time, ms: all tasks, and the script part of them (CDP `Performance.getMetrics`). */
async function mainThread(cdp: CDPSession): Promise<MainThread> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const value = (name: string): number => (metrics.find((m) => m.name === name)?.value ?? NaN) * 1000;
  return { taskMs: value('TaskDuration'), scriptMs: value('ScriptDuration') };
}

/** The page's bench, as page.evaluate callbacks reach it. */
type BenchWindow = Window & { connectBench: ConnectBench };

async function runOnce(page: Page, cdp: CDPSession, r: Relay, server: string, impl: Impl, run: number) {
  const options = {
    impl,
    server,
    room: `connect-${impl}-${run}-${Math.random().toString(36).slice(2, 8)}`,
    timeoutMs: config.timeoutMs,
    trace: config.trace,
  };
  let result: Measured | undefined;
  try {
    await page.evaluate((o) => (window as unknown as BenchWindow).connectBench.prepare(o), options);
    const before = config.trace ? await mainThread(cdp) : undefined;
    result = await page.evaluate(() => (window as unknown as BenchWindow).connectBench.measure());
    if (before) {
      const after = await mainThread(cdp);
      result.mainThread = { taskMs: after.taskMs - before.taskMs, scriptMs: after.scriptMs - before.scriptMs };
    }
    return result;
  } finally {
    // Closing can add notes (a leaked track, say).
    const notes = await page
      .evaluate(() => (window as unknown as BenchWindow).connectBench.finish())
      .catch((): string[] => []);
    if (result) result.notes = [...new Set([...result.notes, ...notes])];
    await relayEmpty(r);
    // Let the closed connections' teardown finish before the next clock starts.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function summarize(chromium: string, results: Measured[], failures: Failure[], othersCpu: number | null): Summary {
  const stats = {} as Summary['stats'];
  const steps = {} as Summary['steps'];
  const setupMs = {} as Summary['setupMs'];
  for (const impl of IMPLS) {
    const runs = results.filter((r) => r.impl === impl);
    const metrics = Object.fromEntries(
      (Object.keys(METRICS) as Metric[]).map((m) => [m, stat(runs.map(METRICS[m].of).filter(Number.isFinite))]),
    ) as Record<Metric, Stat>;
    stats[impl] = { ...metrics, runs: runs.length };
    const all = runs.map((r) => ({ ...r.timeline, ...r.xstate }));
    const names = new Set(all.flatMap((s) => Object.keys(s)));
    steps[impl] = Object.fromEntries(
      [...names].map((name) => {
        const times = all.flatMap((s) => s[name] ?? []);
        return [name, { ...stat(times), seen: times.length }];
      }),
    );
    setupMs[impl] = quantile(
      runs.map((r) => r.setupMs),
      0.5,
    );
  }
  const ratio = Object.fromEntries(
    (Object.keys(METRICS) as Metric[]).map((m) => [m, stats['rtc-kit'][m].median / stats.floor[m].median]),
  ) as Record<Metric, number>;
  const values = (impl: Impl, m: Metric): number[] => results.filter((r) => r.impl === impl).map(METRICS[m].of);
  const interval = Object.fromEntries(
    HEADLINE.map((m) => [m, ratioInterval(values('rtc-kit', m), values('floor', m))]),
  ) as Summary['ratioInterval'];
  return {
    chromium,
    cpus: availableParallelism(),
    config: { ...config, targetRatio: TARGET_RATIO },
    othersCpu,
    stats,
    ratio,
    ratioInterval: interval,
    pass: failures.length === 0 && HEADLINE.every((m) => ratio[m] <= TARGET_RATIO),
    steps,
    setupMs,
    failures,
    notes: [...new Set(results.flatMap((r) => r.notes.map((note) => `${r.impl}: ${note}`)))],
    runs: results,
  };
}

const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const LABEL = 36;

function report(s: Summary): string {
  const kit = s.stats['rtc-kit'];
  const floor = s.stats.floor;
  const lines = [
    `Connect: rtc-kit vs the floor (demo/basic-call.js): ${kit.runs} + ${floor.runs} runs after ${config.warmup} ` +
      `warm-up run(s) each; ${s.chromium}, ${s.cpus} CPUs.`,
    'Clock: from the second participant joining (rtc-kit: call.join(); floor: getUserMedia, then joinBasicCall),',
    'the first one already in the room with its media; the joiner acquires its media inside the clock in both.',
    `Kit: ${config.kit}; tracing ${config.trace ? 'on' : 'off (--no-trace)'}.`,
  ];
  if (s.othersCpu !== null && s.othersCpu > BUSY_OTHERS)
    lines.push(
      `WARNING: other processes used ${(s.othersCpu * 100).toFixed(0)}% of the CPUs during the runs; ` +
        'expect noisy figures.',
    );
  lines.push(
    '',
    `${'ms after the clock'.padEnd(LABEL)}${'rtc-kit'.padStart(16)}${'floor'.padStart(16)}${'ratio'.padStart(9)}`,
    `${''.padEnd(LABEL)}${'median'.padStart(8)}${'p90'.padStart(8)}${'median'.padStart(8)}${'p90'.padStart(8)}`,
  );
  for (const m of Object.keys(METRICS) as Metric[]) {
    if (!Number.isFinite(kit[m].median) && !Number.isFinite(floor[m].median)) continue;
    if (m === 'mainThread') lines.push(`${'ms of CPU in that window'.padEnd(LABEL)}`);
    const [low, high] = s.ratioInterval[m] ?? [];
    const range = low === undefined || high === undefined ? '' : ` (95% ${low.toFixed(2)}–${high.toFixed(2)})`;
    const target = HEADLINE.includes(m)
      ? `${s.ratio[m] <= TARGET_RATIO ? '  ok' : `  > ${TARGET_RATIO}×`}${range}`
      : '';
    lines.push(
      `${METRICS[m].label.padEnd(LABEL)}${ms(kit[m].median).padStart(8)}${ms(kit[m].p90).padStart(8)}` +
        `${ms(floor[m].median).padStart(8)}${ms(floor[m].p90).padStart(8)}` +
        `${`${s.ratio[m].toFixed(2)}×`.padStart(9)}${target}`,
    );
  }
  const row = (name: string): string => {
    const cell = (impl: Impl): string => {
      const step = s.steps[impl][name];
      if (!step) return '—'.padStart(16);
      const seen = step.seen === s.stats[impl].runs ? '' : ` (${step.seen})`;
      return `${ms(step.median)}${seen}`.padStart(16);
    };
    return `${`  ${name}`.padEnd(LABEL)}${cell('rtc-kit')}${cell('floor')}`;
  };
  // In the order observe.js records them, which is about the order they happen in.
  const observed = new Set(s.runs.flatMap((r) => Object.keys(r.timeline)));
  if (observed.size) {
    lines.push('', 'Steps, by the same observers for both (median ms after the clock; (n): seen in n runs only):');
    for (const name of observed) lines.push(row(name));
  }
  const kitSteps = s.steps['rtc-kit'];
  const inspected = [...new Set(s.runs.flatMap((r) => Object.keys(r.xstate)))];
  if (inspected.length) {
    lines.push('', 'rtc-kit joiner, from XState inspection:');
    inspected.sort((a, b) => (kitSteps[a]?.median ?? 0) - (kitSteps[b]?.median ?? 0));
    for (const name of inspected) lines.push(row(name));
  }
  lines.push(
    '',
    `First participant's setup, not timed (median): rtc-kit ${ms(s.setupMs['rtc-kit'])} ms, floor ${ms(s.setupMs.floor)} ms.`,
  );
  for (const note of s.notes) lines.push(`note: ${note}`);
  for (const f of s.failures) lines.push(`FAILED ${f.impl} run ${f.run}: ${f.error}`);
  if (s.failures.length) lines.push(`${s.failures.length} run(s) failed.`);
  const ratios = `connected ${s.ratio.connected.toFixed(2)}×, first frame ${s.ratio.firstFrame.toFixed(2)}×`;
  const straddles = HEADLINE.some((m) => {
    const [low, high] = s.ratioInterval[m] ?? [NaN, NaN];
    return low <= TARGET_RATIO && high > TARGET_RATIO;
  });
  lines.push(
    `${s.pass ? 'Target met' : 'Target missed'} (rtc-kit within ${TARGET_RATIO}× of the floor): ${ratios}.` +
      (straddles ? ` Not conclusive: a 95% interval straddles ${TARGET_RATIO}×; use more --runs.` : ''),
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { browser, relay, origin, server } = await startBench({
    name: 'connect',
    files: [...['index.html', 'page.js', 'observe.js'].map((file) => join(PAGE_DIR, file)), 'demo/basic-call.js'],
    bundle,
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.setViewport({ width: 800, height: 600 });
  await page.goto(`${origin}/index.html${config.trace ? '' : '?trace=0'}`);
  await page.waitForFunction(() => 'connectBench' in window, { polling: 20, timeout: 10_000 });
  const cdp = await page.createCDPSession();
  if (config.trace) await cdp.send('Performance.enable');

  let start: CpuSample | null = null;
  const { results, failures } = await alternate(
    IMPLS,
    { runs: config.runs, warmup: config.warmup, progress: !flags.json },
    (impl, run) => runOnce(page, cdp, relay, server, impl, run),
    () => (start = cpuSample()),
  );
  const end = cpuSample();
  const others = othersCpu(start, end);

  const summary = summarize(await browser.version(), results, failures, others);
  process.stdout.write(`${flags.json ? JSON.stringify(summary, null, 2) : report(summary)}\n`);
  // Like bench:relay: non-zero when something broke, never because a figure misses its target.
  return failures.length === 0 && results.length > 0 ? 0 : 1;
}

await runBench(main);
