/**
 * `npm run bench:data`: file-transfer throughput over loopback, rtc-kit's `call.sendFile` between two calls in one
 * room of the relay against a hand-written RTCDataChannel sender (the webrtc/samples pattern: one reliable ordered
 * channel, the same message size and high-water mark, sending from memory), in one headless Chromium page. See the
 * `## Data` section of docs/benchmarks.md.
 *
 *   --size MiB     how much to send each run (default 100)
 *   --runs N       measured runs of each, alternating which goes first (default 3)
 *   --warmup N     unmeasured runs of each before those (default 1)
 *   --json         print a machine-readable summary instead of the table
 *   --timeout MS   connecting, then the transfer, may each take this long before a run fails (default 120000)
 *   --raw-hwm KiB  the raw sender's high-water mark (default 1024, rtc-kit's)
 *   --raw-message B  the raw sender's message size in bytes (default rtc-kit's, 65536)
 *   --profile DIR  write a V8 CPU profile of the page during each measured run into DIR (open it in Chrome
 *                  DevTools, tab Performance); profiling slows the page, so the figures of such a run are not
 *                  comparable
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'puppeteer-core';
import type { Relay } from '../server/index.js';
import { cpuSample, othersCpu } from './cpu.js';
import { alternate, bundleKit, machineLines, numeric, runBench, sourceState, startBench } from './harness.js';
import type { DataBench, Impl, RunResult } from './data-page/page.js';

/** rtc-kit's median throughput must be at least this share of the raw sender's. */
const TARGET_RATIO = 0.9;
const IMPLS = ['rtc-kit', 'raw'] as const satisfies readonly Impl[];
const PAGE_DIR = 'bench/data-page';
const MiB = 1024 * 1024;

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '120000' },
    profile: { type: 'string' },
    'raw-hwm': { type: 'string' },
    'raw-message': { type: 'string' },
  },
});

const config = {
  sizeMiB: numeric('size', flags.size, 1 / 1024, false),
  runs: numeric('runs', flags.runs, 1),
  warmup: numeric('warmup', flags.warmup, 0),
  timeoutMs: numeric('timeout', flags.timeout, 1),
  profile: flags.profile ?? null,
  rawHighWaterMark: flags['raw-hwm'] === undefined ? undefined : numeric('raw-hwm', flags['raw-hwm'], 1) * 1024,
  rawMessage: flags['raw-message'] === undefined ? undefined : numeric('raw-message', flags['raw-message'], 1),
};
const SIZE = Math.round(config.sizeMiB * MiB);

/** One run, with what the driver adds. */
type Measured = RunResult & {
  run: number;
  /** MiB/s, from `bytes` and `ms`. */
  mibps: number;
  /** The page's main thread during `measure`, ms (CDP `Performance.getMetrics`). */
  taskMs: number;
  scriptMs: number;
};

interface Failure {
  impl: Impl;
  run: number;
  error: string;
}

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(middle)] as number) + (sorted[Math.ceil(middle)] as number)) / 2;
}

/** The figures reported per implementation: the median over its runs. */
const METRICS = {
  mibps: { label: 'throughput, MiB/s', digits: 1, of: (r: Measured) => r.mibps },
  ms: { label: 'time to the last byte in, ms', digits: 0, of: (r: Measured) => r.ms },
  senderMs: { label: 'sender done, ms', digits: 0, of: (r: Measured) => r.senderMs },
  taskMs: { label: 'page main thread busy, ms', digits: 0, of: (r: Measured) => r.taskMs },
  scriptMs: { label: '  of which script, ms', digits: 0, of: (r: Measured) => r.scriptMs },
  maxBuffered: { label: 'max bufferedAmount, KiB', digits: 0, of: (r: Measured) => r.maxBuffered / 1024 },
  message: { label: 'message size, bytes', digits: 0, of: (r: Measured) => r.message },
  progressEvents: { label: "sender's progress events", digits: 0, of: (r: Measured) => r.progressEvents },
  transferEvents: { label: "receiver's transfer events", digits: 0, of: (r: Measured) => r.transferEvents },
} as const;
type Metric = keyof typeof METRICS;

/** Everything the benchmark measured; what `--json` prints. */
interface Summary {
  chromium: string;
  cpus: number;
  /** The commit, and the files of src/ with uncommitted changes (they are in the bundle). */
  source: { commit: string; dirty: string[] };
  config: typeof config & { bytes: number; targetRatio: number };
  /** Share of the machine's CPU time other processes used during the runs (Linux only). */
  othersCpu: number | null;
  /** 1-minute load average at the end. */
  load: number;
  medians: Record<Impl, Record<Metric, number>>;
  /** Slowest and fastest run, MiB/s. */
  range: Record<Impl, [number, number]>;
  /** rtc-kit's median MiB/s over the raw sender's. */
  ratio: number;
  met: boolean;
  runs: Measured[];
  failures: Failure[];
}

/** The page's bench, as page.evaluate callbacks reach it. */
type BenchWindow = Window & { dataBench: DataBench };

/** The page's main-thread time, ms: all tasks, and the script part of them. */
async function mainThread(cdp: CDPSession): Promise<{ taskMs: number; scriptMs: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const value = (name: string): number => (metrics.find((m) => m.name === name)?.value ?? NaN) * 1000;
  return { taskMs: value('TaskDuration'), scriptMs: value('ScriptDuration') };
}

async function runOnce(page: Page, cdp: CDPSession, r: Relay, server: string, impl: Impl, run: number) {
  const options = {
    impl,
    server,
    room: `data-${run}-${Math.random().toString(36).slice(2, 8)}`,
    size: SIZE,
    timeoutMs: config.timeoutMs,
    rawHighWaterMark: config.rawHighWaterMark,
    rawMessage: config.rawMessage,
  };
  try {
    await page.evaluate((o) => (window as unknown as BenchWindow).dataBench.setup(o), options);
    // Garbage from setup and earlier runs (the last run's 100 MiB) is not this run's work.
    await cdp.send('HeapProfiler.collectGarbage');
    const profiling = config.profile !== null && run >= 0;
    if (profiling) await cdp.send('Profiler.start');
    const before = await mainThread(cdp);
    const result = await page.evaluate(() => (window as unknown as BenchWindow).dataBench.measure());
    const after = await mainThread(cdp);
    if (profiling && config.profile) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(config.profile, { recursive: true });
      writeFileSync(join(config.profile, `data-${impl}-${run + 1}.cpuprofile`), JSON.stringify(profile));
    }
    return {
      ...result,
      run,
      mibps: result.bytes / MiB / (result.ms / 1000),
      taskMs: after.taskMs - before.taskMs,
      scriptMs: after.scriptMs - before.scriptMs,
    } satisfies Measured;
  } finally {
    await page.evaluate(() => (window as unknown as BenchWindow).dataBench.finish()).catch(() => {});
    // Both participants have really left before the next run joins.
    const deadline = Date.now() + 5000;
    while (r.health().peers > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
  }
}

function summarize(chromium: string, runs: Measured[], failures: Failure[], others: number | null): Summary {
  const medians = Object.fromEntries(
    IMPLS.map((impl) => [
      impl,
      Object.fromEntries(
        (Object.keys(METRICS) as Metric[]).map((m) => [
          m,
          median(runs.filter((r) => r.impl === impl).map(METRICS[m].of)),
        ]),
      ),
    ]),
  ) as Summary['medians'];
  const range = Object.fromEntries(
    IMPLS.map((impl) => {
      const values = runs.filter((r) => r.impl === impl).map((r) => r.mibps);
      return [impl, [Math.min(...values), Math.max(...values)]];
    }),
  ) as Summary['range'];
  const ratio = medians['rtc-kit'].mibps / medians.raw.mibps;
  return {
    chromium,
    cpus: availableParallelism(),
    source: sourceState(),
    config: { ...config, bytes: SIZE, targetRatio: TARGET_RATIO },
    othersCpu: others,
    load: loadavg()[0] ?? NaN,
    medians,
    range,
    ratio,
    met: ratio >= TARGET_RATIO,
    runs,
    failures,
  };
}

function report(s: Summary): string {
  const lines = [
    `Data: ${config.sizeMiB} MiB over loopback in one page, rtc-kit's sendFile (two calls through the relay) ` +
      `against a raw RTCDataChannel sender (two RTCPeerConnections, connected in the page).`,
    `${s.config.runs} run(s) of each after ${s.config.warmup} warm-up run(s), alternating which goes first. ` +
      `MiB/s = MiB (2^20 bytes) / s, from the first send to the receiver having every byte ` +
      `(rtc-kit: SHA-256 checked and the Blob made).`,
    ...machineLines(s),
  ];
  if (s.config.profile) lines.push(`CPU profiles in ${s.config.profile}: profiling slows the page.`);
  const W = [32, 12, 12];
  const row = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(W[0] ?? 0) : cell.padStart(W[i] ?? 0))).join('');
  lines.push('', row(['median over the runs', 'rtc-kit', 'raw']));
  for (const m of Object.keys(METRICS) as Metric[]) {
    const { label, digits } = METRICS[m];
    const cell = (impl: Impl): string => {
      const value = s.medians[impl][m];
      return Number.isFinite(value) && !(impl === 'raw' && m.endsWith('Events')) ? value.toFixed(digits) : '—';
    };
    lines.push(row([label, cell('rtc-kit'), cell('raw')]));
    if (m === 'mibps') {
      const span = (impl: Impl): string =>
        s.range[impl].every(Number.isFinite) ? s.range[impl].map((v) => v.toFixed(1)).join('–') : '—';
      lines.push(row(['  slowest–fastest run', span('rtc-kit'), span('raw')]));
    }
  }
  lines.push('', 'Runs (MiB/s):');
  for (let run = 0; run < s.config.runs; run++) {
    const cell = (impl: Impl): string => {
      const r = s.runs.find((x) => x.impl === impl && x.run === run);
      return r ? `${impl} ${r.mibps.toFixed(1)}` : `${impl} failed`;
    };
    const order = run % 2 === 0 ? IMPLS : [...IMPLS].reverse();
    lines.push(`  ${run + 1}. ${order.map(cell).join(', ')}`);
  }
  for (const note of new Set(s.runs.flatMap((r) => r.notes))) lines.push(`note: ${note}`);
  for (const f of s.failures) lines.push(`FAILED ${f.impl} run ${f.run + 1}: ${f.error}`);
  lines.push(
    '',
    `Ratio rtc-kit / raw (median MiB/s): ${Number.isFinite(s.ratio) ? s.ratio.toFixed(2) : '—'}×`,
    `Target: at least ${TARGET_RATIO}× the raw sender → ${s.met ? 'met' : 'NOT met'}`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { browser, relay, origin, server } = await startBench({
    name: 'data',
    files: ['index.html', 'page.js'].map((file) => join(PAGE_DIR, file)),
    // The engine only (createCall and the file-transfer constants, no elements).
    bundle: (outfile) =>
      bundleKit(
        outfile,
        {
          stdin: {
            contents:
              "export { createCall } from './src/call.ts';\n" +
              "export { HIGH_WATER_MARK, MAX_MESSAGE } from './src/machines/file.transfer.ts';\n",
            resolveDir: resolve('.'),
            loader: 'ts',
          },
        },
        // Profiles name functions only when the bundle keeps their names.
        { minify: !config.profile },
      ),
    launch: { protocolTimeout: 0 },
  });
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => 'dataBench' in window, { polling: 20, timeout: 10_000 });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  if (config.profile) await cdp.send('Profiler.enable');

  let start = cpuSample();
  const { results: runs, failures } = await alternate(
    IMPLS,
    { runs: config.runs, warmup: config.warmup, progress: !flags.json },
    (impl, run) => runOnce(page, cdp, relay, server, impl, run),
    () => (start = cpuSample()),
  );
  const others = othersCpu(start, cpuSample());

  const summary = summarize(await browser.version(), runs, failures, others);
  process.stdout.write(`${flags.json ? JSON.stringify(summary, null, 2) : report(summary)}\n`);
  // Like the other benchmarks: non-zero when something broke, never because a figure misses its target.
  return failures.length === 0 && runs.length > 0 ? 0 : 1;
}

await runBench(main);
