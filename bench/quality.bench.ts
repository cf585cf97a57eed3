/**
 * `npm run bench:quality`: a call over an impaired link (300 kbps each way, 150 ms added latency, 5 % packet loss,
 * by Chrome DevTools Protocol network emulation), once with rtc-kit's adaptive quality (`quality: { mode: 'auto' }`,
 * the default) and once with it off (`quality: { off: true }`: the browser's own congestion control alone), and
 * what each side receives over a fixed period: freezes, loss, frame rate, resolution. In one headless Chromium; each
 * run gets a fresh browser context and page. See the `## Quality` section of docs/benchmarks.md.
 *
 *   --runs N       pairs of runs, one of each mode, alternating which goes first (default 4: one direction's
 *                  freezes range from 2 to 18 on the same link, and 2 pairs could flip the verdict)
 *   --seconds S    the measured period, from both sides connected and showing video (default 30)
 *   --json         print a machine-readable summary instead of the table
 *   --timeout MS   how long connecting may take before a run fails (default 30000)
 *   --kbps N       the link's throughput each way, kbit/s (default 300)
 *   --loss P       the link's random packet loss, % (default 5): `--kbps 10000` with the default loss is the
 *                  control that tells loss from congestion
 *
 * @module
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'puppeteer-core';
import type { Relay } from '../server/index.js';
import { cpuSample, othersCpu } from './cpu.js';
import { bundleKit, machineLines, numeric, runBench, sourceState, startBench } from './harness.js';
import type { PeerQualityOptions } from '../src/machines/peer.machine.js';
import type { Level, QualityBench, Received, Snapshot, Stalls } from './quality-page/page.js';

const PAGE_DIR = 'bench/quality-page';
const MODES = ['auto', 'off'] as const;
type Mode = (typeof MODES)[number];
const QUALITY: Record<Mode, PeerQualityOptions> = { auto: { mode: 'auto' }, off: { off: true } };
const LABELS: Record<Mode, string> = { auto: 'auto', off: 'browser only' };
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '30000' },
    kbps: { type: 'string', default: '300' },
    loss: { type: 'string', default: '5' },
  },
});

/** The link's throughput each way, in bytes per second. */
const throughput = (numeric('kbps', flags.kbps, 1, false) * 1000) / 8;
/** The impaired link: by default what test/browser/quality.test.ts uses. */
const CONDITIONS = {
  offline: false,
  latency: 150,
  downloadThroughput: throughput,
  uploadThroughput: throughput,
  packetLoss: numeric('loss', flags.loss, 0, false),
};

const config = {
  runs: numeric('runs', flags.runs, 1),
  seconds: numeric('seconds', flags.seconds, 1, false),
  timeoutMs: numeric('timeout', flags.timeout, 1),
  conditions: CONDITIONS,
};

/** What one receiving side got during the measured period: the deltas between two {@link Received}. */
interface Direction {
  freezes: number;
  /** Seconds frozen. */
  frozen: number;
  pauses: number;
  /** Lost ÷ (lost + received) packets, in %. */
  loss: number;
  /** Frames decoded per second. */
  fps: number;
  /** Video received, kbit/s (payload and headers of RTP, as `bytesReceived` counts). */
  kbps: number;
  nacks: number;
  /** At the end of the period. */
  width: number;
  height: number;
  /** Round trip at the end, ms. */
  rtt: number;
  /** Seconds in gaps of over 1 s between shown frames, a picture still frozen at the end included. */
  stalled: number;
  /** The longest gap between shown frames, s. */
  longest: number;
  /** Frames the <video> showed per second. */
  shownFps: number;
  /** The sender's quality level at the end (rtc-kit's machine), or null when off. */
  level: string | null;
  /** The sender's level changes from the start of the call: `level (reason) at s`, s relative to the window. */
  levels: string[];
  /** The sender's `qualityLimitationReason` at the end. */
  limitation: string | null;
}

/** One run of one mode. `alice` is what Alice received (Bob's video), `bob` what Bob received. */
interface Run {
  mode: Mode;
  pair: number;
  seconds: number;
  alice: Direction;
  bob: Direction;
  notes: string[];
}

function direction(start: Received, end: Received, stalls: Stalls, levels: Level[]): Direction {
  const seconds = (end.at - start.at) / 1000;
  const lost = end.packetsLost - start.packetsLost;
  const got = end.packetsReceived - start.packetsReceived;
  return {
    freezes: end.freezeCount - start.freezeCount,
    frozen: end.totalFreezesDuration - start.totalFreezesDuration,
    pauses: end.pauseCount - start.pauseCount,
    loss: lost + got > 0 ? (100 * lost) / (lost + got) : NaN,
    fps: (end.framesDecoded - start.framesDecoded) / seconds,
    kbps: ((end.bytesReceived - start.bytesReceived) * 8) / 1000 / seconds,
    nacks: end.nackCount - start.nackCount,
    width: end.frameWidth,
    height: end.frameHeight,
    rtt: end.rtt === null ? NaN : end.rtt * 1000,
    stalled: stalls.seconds,
    longest: stalls.longest,
    shownFps: stalls.frames / seconds,
    level: end.level,
    levels: levels.map((l) => `${l.level} (${l.reason}) at ${((l.at - start.at) / 1000).toFixed(1)} s`),
    limitation: end.limitation,
  };
}

/** The figures reported: each is the mean of the two directions of a run, then the median over the runs. */
const METRICS = {
  freezes: { label: 'freezes (freezeCount)', digits: 1, of: (d: Direction) => d.freezes },
  frozen: { label: 'time frozen, s', digits: 1, of: (d: Direction) => d.frozen },
  loss: { label: 'packets lost, %', digits: 2, of: (d: Direction) => d.loss },
  stalled: { label: 'no new frame > 1 s, s', digits: 1, of: (d: Direction) => d.stalled },
  longest: { label: 'longest gap in frames, s', digits: 1, of: (d: Direction) => d.longest },
  fps: { label: 'frames decoded per s', digits: 1, of: (d: Direction) => d.fps },
  shownFps: { label: 'frames shown per s', digits: 1, of: (d: Direction) => d.shownFps },
  kbps: { label: 'video received, kbit/s', digits: 0, of: (d: Direction) => d.kbps },
  width: { label: 'frame width at the end', digits: 0, of: (d: Direction) => d.width },
  height: { label: 'frame height at the end', digits: 0, of: (d: Direction) => d.height },
  rtt: { label: 'round trip at the end, ms', digits: 0, of: (d: Direction) => d.rtt },
  pauses: { label: 'pauses (pauseCount)', digits: 1, of: (d: Direction) => d.pauses },
  nacks: { label: 'NACKs sent', digits: 0, of: (d: Direction) => d.nacks },
} as const;
type Metric = keyof typeof METRICS;

function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(middle)] as number) + (sorted[Math.ceil(middle)] as number)) / 2;
}

/** Everything the benchmark measured; what `--json` prints. */
interface Summary {
  chromium: string;
  cpus: number;
  /** The commit, and the files of src/ with uncommitted changes (they are in the bundle). */
  source: { commit: string; dirty: string[] };
  config: typeof config;
  /** Share of the machine's CPU time other processes used during the runs (Linux only). */
  othersCpu: number | null;
  /** 1-minute load average at the end. */
  load: number;
  medians: Record<Mode, Record<Metric, number>>;
  /** Median freezes and loss both lower with auto than with the browser alone. */
  met: boolean;
  runs: Run[];
  failures: { mode: Mode; pair: number; error: string }[];
}

/** The page's bench, as page.evaluate callbacks reach it. */
type BenchWindow = Window & { qualityBench: QualityBench };

/** One call in `mode`, in a fresh browser context: impair, connect, snapshot, wait `seconds`, snapshot. */
async function runOnce(b: Browser, r: Relay, origin: string, mode: Mode, pair: number): Promise<Run> {
  const context = await b.createBrowserContext();
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('page error:', error));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => 'qualityBench' in window, { polling: 100, timeout: 10_000 });
    // Before any RTCPeerConnection exists: the emulation only shapes connections created after it is set.
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', CONDITIONS);
    const options = {
      server: `${origin.replace(/^http/, 'ws')}/signal`,
      room: `quality-${mode}-${pair}-${Math.random().toString(36).slice(2, 8)}`,
      quality: QUALITY[mode],
    };
    let notes: string[] = [];
    try {
      await page.evaluate((o) => (window as unknown as BenchWindow).qualityBench.start(o), options);
      await page.waitForFunction(() => (window as unknown as BenchWindow).qualityBench.ready(), {
        polling: 100,
        timeout: config.timeoutMs,
      });
      const start: Snapshot = await page.evaluate(() => (window as unknown as BenchWindow).qualityBench.snapshot());
      // The measured period itself, on the page's clock.
      await page.waitForFunction(
        (until: number) => performance.now() >= until,
        {
          polling: 100,
          timeout: config.seconds * 1000 + 10_000,
        },
        start.alice.at + config.seconds * 1000,
      );
      const end: Snapshot = await page.evaluate(() => (window as unknown as BenchWindow).qualityBench.snapshot());
      const [stalls, levels] = await page.evaluate(
        (from, to) => {
          const bench = (window as unknown as BenchWindow).qualityBench;
          return [bench.stalls(from, to), bench.levels()] as const;
        },
        start.alice.at,
        end.alice.at,
      );
      return {
        mode,
        pair,
        seconds: (end.alice.at - start.alice.at) / 1000,
        alice: direction(start.alice, end.alice, stalls.alice, levels.alice),
        bob: direction(start.bob, end.bob, stalls.bob, levels.bob),
        notes,
      };
    } finally {
      notes.push(
        ...(await page.evaluate(() => (window as unknown as BenchWindow).qualityBench.finish()).catch(() => [])),
      );
      notes = [...new Set(notes)];
    }
  } finally {
    await context.close().catch(() => {});
    // Both participants have really left before the next run joins.
    const deadline = Date.now() + 5000;
    while (r.health().peers > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
  }
}

function summarize(chromium: string, runs: Run[], failures: Summary['failures'], othersCpu: number | null): Summary {
  const medians = Object.fromEntries(
    MODES.map((mode) => [
      mode,
      Object.fromEntries(
        (Object.keys(METRICS) as Metric[]).map((m) => {
          const of = METRICS[m].of;
          return [m, median(runs.filter((r) => r.mode === mode).map((r) => (of(r.alice) + of(r.bob)) / 2))];
        }),
      ),
    ]),
  ) as Summary['medians'];
  return {
    chromium,
    cpus: availableParallelism(),
    source: sourceState(),
    config,
    othersCpu,
    load: loadavg()[0] ?? NaN,
    medians,
    met: medians.auto.freezes < medians.off.freezes && medians.auto.loss < medians.off.loss,
    runs,
    failures,
  };
}

function report(s: Summary): string {
  const c = s.config.conditions;
  const lines = [
    `Quality: an impaired call, rtc-kit's adaptive quality (auto) against the browser's congestion control alone ` +
      `(browser only).`,
    `Link (CDP emulation): ${(c.uploadThroughput * 8) / 1000} kbit/s each way, +${c.latency} ms, ` +
      `${c.packetLoss} % loss. ${s.config.runs} run(s) of each mode, ${s.config.seconds} s measured after both ` +
      `sides show video.`,
    `Per run: the mean of the two directions (what Alice receives of Bob's video, and Bob of Alice's); below, the ` +
      `median over the runs.`,
    ...machineLines(s),
  ];
  const W = [28, 10, 14, 8];
  const row = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(W[0] ?? 0) : cell.padStart(W[i] ?? 0))).join('');
  lines.push('', row(['metric', LABELS.auto, LABELS.off, 'ratio']));
  for (const m of Object.keys(METRICS) as Metric[]) {
    const { label, digits } = METRICS[m];
    const [a, o] = [s.medians.auto[m], s.medians.off[m]];
    const ratio = o === 0 && a === 0 ? '—' : Number.isFinite(a / o) ? `${(a / o).toFixed(2)}×` : '—';
    lines.push(row([label, a.toFixed(digits), o.toFixed(digits), ratio]));
  }
  lines.push('', 'Runs (alice receives | bob receives):');
  for (const r of s.runs) {
    const side = (d: Direction): string =>
      `${d.freezes} freezes ${d.frozen.toFixed(1)} s, ${d.loss.toFixed(1)} % lost, ${d.fps.toFixed(1)} fps, ` +
      `${d.stalled.toFixed(1)} s stalled, ${d.kbps.toFixed(0)} kbit/s, ${d.width}×${d.height}` +
      `${d.limitation ? ` (limited by ${d.limitation})` : ''}`;
    lines.push(`  ${String(r.pair + 1)}. ${LABELS[r.mode].padEnd(12)} ${side(r.alice)} | ${side(r.bob)}`);
    for (const [name, d] of [
      ['bob → alice', r.alice],
      ['alice → bob', r.bob],
    ] as const)
      if (d.levels.length) lines.push(`       ${name} levels: ${d.levels.join(', ')}`);
    for (const note of r.notes) lines.push(`       note: ${note}`);
  }
  for (const f of s.failures) lines.push(`FAILED ${LABELS[f.mode]} run ${f.pair + 1}: ${f.error}`);
  lines.push(
    '',
    `Target: fewer freezes and less loss with auto than with the browser alone → ${s.met ? 'met' : 'NOT met'} ` +
      `(freezes ${s.medians.auto.freezes.toFixed(1)} vs ${s.medians.off.freezes.toFixed(1)}, ` +
      `loss ${s.medians.auto.loss.toFixed(2)} % vs ${s.medians.off.loss.toFixed(2)} %).`,
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { browser, relay, origin } = await startBench({
    name: 'quality',
    files: ['index.html', 'page.js'].map((file) => join(PAGE_DIR, file)),
    bundle: (outfile) => bundleKit(outfile, { entryPoints: ['src/index.ts'] }),
  });

  const runs: Run[] = [];
  const failures: Summary['failures'] = [];
  const start = cpuSample();
  for (let pair = 0; pair < config.runs; pair++) {
    // Alternate which mode goes first, so drift over the runs hits both alike.
    for (const mode of pair % 2 === 0 ? MODES : [...MODES].reverse()) {
      try {
        runs.push(await runOnce(browser, relay, origin, mode, pair));
      } catch (error) {
        failures.push({ mode, pair, error: error instanceof Error ? error.message : String(error) });
      }
      if (!flags.json) process.stderr.write('.');
    }
  }
  if (!flags.json) process.stderr.write('\n');
  const end = cpuSample();
  const others = othersCpu(start, end);

  const summary = summarize(await browser.version(), runs, failures, others);
  process.stdout.write(`${flags.json ? JSON.stringify(summary, null, 2) : report(summary)}\n`);
  // Like the other benchmarks: non-zero when something broke, never because a figure misses its target.
  return failures.length === 0 && runs.length > 0 ? 0 : 1;
}

await runBench(main);
