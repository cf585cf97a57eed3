/**
 * `npm run bench:connect`'s headline: the time a user waits, from opening the page to being connected and to seeing
 * the other person, for three pages measured in the same run, interleaved:
 *
 * - rtc-kit: exactly the README's two lines, `<script type="module" src="/dist/rtc-kit.js">` and
 *   `<rtc-call room server autojoin>`;
 * - the floor: demo/basic-call.js, a hand-written RTCPeerConnection with perfect negotiation, through the same relay;
 * - PeerJS 1.5 (its minified build, a classic script) with PeerServer 1.0.
 *
 * One participant waits in the room with its camera; the clock of the second starts when its page's navigation
 * starts (performance.timeOrigin) and stops at its RTCPeerConnection's `connected` and at the first remote video
 * frame it decodes, both seen by one observer injected into every page (bench/open-page/observe.js). Each run opens
 * both pages afresh, with the HTTP cache off (a first visit; `--warm` keeps it), in two tabs of one Chromium and
 * again with each participant in its own Chromium.
 *
 *   --runs N      measured runs of each page and setting (default 20)
 *   --warmup N    unmeasured runs of each before those (default 2)
 *   --only MODE   `tabs` or `browsers`: one setting only
 *   --warm        keep the HTTP cache between runs
 *   --dist        serve the prebuilt dist/rtc-kit.js (`npm run build`) instead of bundling src/ afresh
 *   --json        print the summary as JSON
 *   --timeout MS  a run not connected this long after navigation fails (default 15000)
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PeerServer } from 'peer';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { BUSY_OTHERS, cpuSample, othersCpu, type CpuSample } from './cpu.js';
import { alternate, bundleKit, numeric, runBench, startBench } from './harness.js';
import { quantile, ratioInterval, stat, type Stat } from './stats.js';

/** rtc-kit may take this many times the floor's median, and must stay below PeerJS's. */
const TARGET_RATIO = 1.15;
const PAGES = ['rtc-kit', 'floor', 'peerjs'] as const;
type PageKind = (typeof PAGES)[number];
const MODES = ['tabs', 'browsers'] as const;
type Mode = (typeof MODES)[number];

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    warm: { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '15000' },
  },
});
if (flags.only !== undefined && !MODES.includes(flags.only as Mode)) {
  console.error(`--only takes ${MODES.join(' or ')}, not ${JSON.stringify(flags.only)}`);
  process.exit(2);
}
const config = {
  runs: numeric('runs', flags.runs, 1),
  warmup: numeric('warmup', flags.warmup, 0),
  timeoutMs: numeric('timeout', flags.timeout, 1),
  modes: flags.only ? [flags.only as Mode] : [...MODES],
  cache: flags.warm ? 'warm' : 'off',
  kit: flags.dist ? 'dist/rtc-kit.js' : 'src/index.ts, bundled for this run',
};

/** What a page's observer recorded: step → ms since its navigation started. */
type Steps = Record<string, number>;
interface Run {
  page: PageKind;
  mode: Mode;
  joiner: Steps;
}

/** The page of `kind` for `role`, as HTML. Room and ids are written in, so no page reads its URL. */
function html(kind: PageKind, { room, server, peerPort }: { room: string; server: string; peerPort: number }) {
  return (role: 'waiter' | 'joiner'): string => {
    const head = '<!doctype html><meta charset="utf-8"><title>bench:connect</title>';
    switch (kind) {
      case 'rtc-kit':
        // The README's two lines, nothing else.
        return `${head}
<script type="module" src="/dist/rtc-kit.js"></script>
<rtc-call room="${room}" server="${server}" autojoin></rtc-call>`;
      case 'floor':
        return `${head}
<video autoplay playsinline muted></video>
<script type="module">
  import { joinBasicCall } from '/basic-call.js';
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  joinBasicCall({ server: ${JSON.stringify(server)}, room: ${JSON.stringify(room)}, stream,
    onTrack: (peer, remote) => (document.querySelector('video').srcObject = remote) });
</script>`;
      case 'peerjs':
        return `${head}
<video autoplay playsinline muted></video>
<script src="/peerjs.min.js"></script>
<script type="module">
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const show = (call) => call.on('stream', (remote) => (document.querySelector('video').srcObject = remote));
  const options = { host: '127.0.0.1', port: ${peerPort}, path: '/peerjs', debug: 0 };
  const waiter = ${JSON.stringify(`${room}-waiter`)};
  ${
    role === 'waiter'
      ? `new Peer(waiter, options).on('call', (call) => { call.answer(stream); show(call); });`
      : `const peer = new Peer(options); peer.on('open', () => show(peer.call(waiter, stream)));`
  }
</script>`;
    }
  };
}

/** Opens a page with the observer in it, the cache as configured. */
async function open(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setCacheEnabled(flags.warm);
  await page.evaluateOnNewDocument(readFileSync('bench/open-page/observe.js', 'utf8'));
  page.on('pageerror', (error) => console.error('page error:', error instanceof Error ? error.message : error));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return page;
}

const observed = (page: Page): Promise<Steps> =>
  page.evaluate(() => ({ ...(window as unknown as { __open: Steps }).__open }));

/** Waits until the page's observer has seen every one of `steps`; a timeout says which steps it did see. */
async function reached(page: Page, steps: string[]): Promise<void> {
  try {
    await page.waitForFunction(
      (names: string[]) => names.every((name) => name in (window as unknown as { __open: Steps }).__open),
      { polling: 10, timeout: config.timeoutMs },
      steps,
    );
  } catch (error) {
    const seen = await observed(page).catch(() => ({}));
    throw new Error(`${String(error)}; waiting for ${steps.join(', ')}, saw ${JSON.stringify(seen)}`, { cause: error });
  }
}

interface Setup {
  dir: string;
  origin: string;
  server: string;
  peerPort: number;
  browsers: Browser[];
  isEmpty: () => boolean;
}

async function runOnce(setup: Setup, page: PageKind, mode: Mode, run: number): Promise<Run> {
  const room = `open-${page}-${mode}-${run}-${Math.random().toString(36).slice(2, 8)}`;
  const pageOf = html(page, { room, server: setup.server, peerPort: setup.peerPort });
  for (const role of ['waiter', 'joiner'] as const)
    writeFileSync(join(setup.dir, `${room}-${role}.html`), pageOf(role));
  const [first, second = first] = setup.browsers as [Browser, Browser?];
  const opened: Page[] = [];
  try {
    // The waiter: in the room with its camera before the clock of the joiner starts; not timed.
    const waiter = await open(first, `${setup.origin}/${room}-waiter.html`);
    opened.push(waiter);
    await reached(waiter, ['camera', 'server answered']);
    const joiner = await open(mode === 'tabs' ? first : second, `${setup.origin}/${room}-joiner.html`);
    opened.push(joiner);
    await reached(joiner, ['connected', 'first frame']);
    return { page, mode, joiner: await observed(joiner) };
  } finally {
    await Promise.all(opened.map((p) => p.close().catch(() => {})));
    const deadline = Date.now() + 5000;
    while (!setup.isEmpty() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(0));

interface ModeSummary {
  mode: Mode;
  stats: Record<PageKind, { runs: number; connected: Stat; firstFrame: Stat; steps: Record<string, Stat> }>;
  /** rtc-kit's median over the floor's and over PeerJS's, with the 95% bootstrap interval of the first. */
  ratio: Record<'connected' | 'firstFrame', { floor: number; peerjs: number; interval: [number, number] }>;
  pass: boolean;
}

function summarize(mode: Mode, runs: Run[]): ModeSummary {
  const of = (page: PageKind) => runs.filter((r) => r.page === page && r.mode === mode).map((r) => r.joiner);
  const values = (page: PageKind, step: string) => of(page).flatMap((s) => s[step] ?? []);
  const stats = Object.fromEntries(
    PAGES.map((page) => {
      const names = [...new Set(of(page).flatMap((s) => Object.keys(s)))].filter((name) => name !== 'watching');
      const steps = Object.fromEntries(names.map((name) => [name, stat(values(page, name))]));
      return [
        page,
        {
          runs: of(page).length,
          connected: stat(values(page, 'connected')),
          firstFrame: stat(values(page, 'first frame')),
          steps,
        },
      ];
    }),
  ) as ModeSummary['stats'];
  const ratioOf = (step: string) => {
    const kit = quantile(values('rtc-kit', step), 0.5);
    return {
      floor: kit / quantile(values('floor', step), 0.5),
      peerjs: kit / quantile(values('peerjs', step), 0.5),
      interval: ratioInterval(values('rtc-kit', step), values('floor', step)),
    };
  };
  const ratio = { connected: ratioOf('connected'), firstFrame: ratioOf('first frame') };
  const pass = Object.values(ratio).every((r) => r.floor <= TARGET_RATIO && r.peerjs < 1);
  return { mode, stats, ratio, pass };
}

function report(summaries: ModeSummary[], chromium: string, others: number | null, failures: string[]): string {
  const lines = [
    `Connect, from page open: rtc-kit (the README's two lines) vs the floor (demo/basic-call.js) vs PeerJS 1.5.5 + ` +
      `PeerServer 1.0; ${config.runs} runs of each after ${config.warmup} warm-up, interleaved; ${chromium}.`,
    "Clock: the joiner's navigation start → its RTCPeerConnection connected, and → the first remote video frame it",
    `decoded; the waiter already in the room with its camera. HTTP cache ${config.cache}. Kit: ${config.kit}.`,
  ];
  if (others !== null && others > BUSY_OTHERS)
    lines.push(`WARNING: other processes used ${(others * 100).toFixed(0)}% of the CPUs; expect noisy figures.`);
  for (const s of summaries) {
    lines.push(
      '',
      s.mode === 'tabs' ? 'Two tabs of one Chromium:' : 'Each participant in its own Chromium:',
      `${'ms from navigation, median (p90)'.padEnd(34)}${PAGES.map((p) => p.padStart(14)).join('')}` +
        `${'kit/floor'.padStart(11)}${'kit/peerjs'.padStart(12)}`,
    );
    const cell = (value: Stat | undefined): string =>
      (value ? `${ms(value.median)} (${ms(value.p90)})` : '—').padStart(14);
    for (const [key, label] of [
      ['connected', 'connected'],
      ['firstFrame', 'first frame'],
    ] as const) {
      const r = s.ratio[key];
      const verdict = r.floor <= TARGET_RATIO && r.peerjs < 1 ? 'ok' : 'missed';
      lines.push(
        `${label.padEnd(34)}${PAGES.map((p) => cell(s.stats[p][key])).join('')}` +
          `${`${r.floor.toFixed(2)}×`.padStart(11)}${`${r.peerjs.toFixed(2)}×`.padStart(12)}  ${verdict}` +
          ` (kit/floor 95% ${r.interval[0].toFixed(2)}–${r.interval[1].toFixed(2)})`,
      );
    }
    lines.push('Steps (median ms from navigation; — not seen):');
    const names = [...new Set(PAGES.flatMap((p) => Object.keys(s.stats[p].steps)))];
    names.sort((a, b) => (s.stats.floor.steps[a]?.median ?? 1e9) - (s.stats.floor.steps[b]?.median ?? 1e9));
    for (const name of names)
      lines.push(`  ${name.padEnd(32)}${PAGES.map((p) => ms(s.stats[p].steps[name]?.median).padStart(14)).join('')}`);
  }
  for (const failure of failures) lines.push(`FAILED ${failure}`);
  const pass = failures.length === 0 && summaries.every((s) => s.pass);
  lines.push(
    '',
    `${pass ? 'Target met' : 'Target missed'}: rtc-kit within ${TARGET_RATIO}× of the floor and below PeerJS, ` +
      'connected and first frame, in every setting.',
  );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const bundle = async (outfile: string): Promise<void> =>
    flags.dist
      ? writeFileSync(outfile, readFileSync('dist/rtc-kit.js'))
      : bundleKit(outfile, { entryPoints: ['src/index.ts'] });
  const { dir, relay, browser, origin, server } = await startBench({
    name: 'open',
    files: ['demo/basic-call.js', 'node_modules/peerjs/dist/peerjs.min.js'],
    bundle,
  });
  // PeerServer on a port of its own, as PeerJS users run it.
  const peerPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  let peerClients = 0;
  let peerHttp: { close: (callback: () => void) => void } | undefined;
  const peerServer = PeerServer({ port: peerPort, host: '127.0.0.1', path: '/peerjs' }, (http) => (peerHttp = http));
  peerServer.on('connection', () => (peerClients += 1));
  peerServer.on('disconnect', () => (peerClients -= 1));
  const executablePath = findChromium() as string;
  const browsers = [browser];
  if (config.modes.includes('browsers'))
    browsers.push(await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }));
  const setup: Setup = {
    dir,
    origin,
    server,
    peerPort,
    browsers,
    isEmpty: () => relay.health().peers === 0 && peerClients === 0,
  };
  try {
    const runs: Run[] = [];
    const failures: string[] = [];
    let start: CpuSample | null = null;
    for (const mode of config.modes) {
      const done = await alternate(
        PAGES,
        { runs: config.runs, warmup: config.warmup, progress: !flags.json },
        (page, run) => runOnce(setup, page, mode, run),
        () => (start ??= cpuSample()),
      );
      runs.push(...done.results);
      failures.push(...done.failures.map((f) => `${f.impl} (${mode}) run ${f.run}: ${f.error}`));
    }
    const others = othersCpu(start, cpuSample());
    const summaries = config.modes.map((mode) => summarize(mode, runs));
    const chromium = await browser.version();
    process.stdout.write(
      `${flags.json ? JSON.stringify({ chromium, config, othersCpu: others, summaries, failures, runs }, null, 2) : report(summaries, chromium, others, failures)}\n`,
    );
    return failures.length === 0 && runs.length > 0 ? 0 : 1;
  } finally {
    await Promise.all(browsers.slice(1).map((b) => b.close().catch(() => {})));
    await new Promise<void>((resolve) => (peerHttp ? peerHttp.close(resolve) : resolve()));
  }
}

await runBench(main);
