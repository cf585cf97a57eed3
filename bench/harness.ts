/**
 * What the browser benchmarks share: a temporary directory with the page and a fresh bundle of the kit, served
 * by a relay on port 0, a headless Chromium, and closing all of it once, whatever happens (Ctrl-C included).
 *
 * @example
 * await runBench(async () => {
 *   const { browser, origin } = await startBench({ name: 'data', files: [['bench/data-page/index.html', 'index.html']],
 *     bundle: (outfile) => bundleKit(outfile, { entryPoints: ['src/index.ts'] }) });
 *   …
 *   return 0;
 * });
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs';
import { Relay } from '../server/index.js';
import { BUSY_OTHERS } from './cpu.js';

/** Reads a number flag (an integer unless `integer` is false), or exits with a message. */
export function numeric(name: string, value: string, min: number, integer = true): number {
  const n = Number(value);
  if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min) {
    console.error(`--${name} takes ${integer ? 'an integer' : 'a number'} ≥ ${min}, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

/** The commit and the uncommitted files of src/, so a result says what it measured. */
export function sourceState(): { commit: string; dirty: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

/**
 * The lines a report opens its machine description with: the browser, the CPUs, the source measured, and what
 * other processes used of the machine (flagged over {@link BUSY_OTHERS}).
 */
export function machineLines(s: {
  chromium: string;
  cpus: number;
  source: { commit: string; dirty: string[] };
  othersCpu: number | null;
  load: number;
}): string[] {
  const lines = [
    `${s.chromium}, ${s.cpus} CPUs; src at ${s.source.commit}` +
      (s.source.dirty.length ? ` with uncommitted changes in ${s.source.dirty.join(', ')}` : '') +
      '.',
  ];
  if (s.othersCpu !== null)
    lines.push(
      `${s.othersCpu > BUSY_OTHERS ? 'WARNING: ' : ''}other processes used ${(s.othersCpu * 100).toFixed(0)} % ` +
        `of the CPUs during the runs; load average ${s.load.toFixed(1)}.`,
    );
  return lines;
}

/** A started benchmark: its served directory, relay and Chromium. */
export interface BenchSetup {
  dir: string;
  relay: Relay;
  browser: Browser;
  /** `http://127.0.0.1:PORT`, where the page is. */
  origin: string;
  /** The relay's signaling URL. */
  server: string;
}

let started: Partial<BenchSetup> = {};

/** Closes what {@link startBench} started, once. */
async function cleanUp(): Promise<void> {
  const { browser, relay, dir } = started;
  started = {};
  await browser?.close().catch(() => {});
  await relay?.close().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Bundles the kit (or `source`) to `outfile` with the options of scripts/build.mjs, without the type check.
 * `nodePaths` lets a copy of src/ outside the repository find the repository's dependencies.
 */
export async function bundleKit(
  outfile: string,
  source: Pick<BuildOptions, 'entryPoints' | 'stdin'>,
  { minify = true } = {},
): Promise<void> {
  await build({
    ...source,
    outfile,
    nodePaths: [resolve('node_modules')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify,
    legalComments: 'none',
    logLevel: 'error',
  });
}

/**
 * Copies `files` (paths, or `[from, to]` pairs) into a new temporary directory, has `bundle` write the kit to its
 * dist/rtc-kit.js, serves it with a relay on port 0, and launches headless Chromium.
 *
 * @throws {Error} when no Chromium is found.
 */
export async function startBench({
  name,
  files,
  bundle,
  launch = {},
}: {
  name: string;
  files: (string | [from: string, to: string])[];
  bundle: (outfile: string) => Promise<void>;
  launch?: LaunchOptions;
}): Promise<BenchSetup> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('No Chromium found: run `node scripts/chromium.mjs --ensure`.');
  const dir = (started.dir = mkdtempSync(join(tmpdir(), `rtc-kit-${name}-`)));
  for (const file of files) {
    const [from, to] = typeof file === 'string' ? [file, basename(file)] : file;
    copyFileSync(from, join(dir, to));
  }
  mkdirSync(join(dir, 'dist'));
  await bundle(join(dir, 'dist', 'rtc-kit.js'));
  // No session resume: a run's participants leave for good, and the next run starts with an empty relay.
  const relay = (started.relay = new Relay({
    port: 0,
    static: dir,
    kitDir: join(dir, 'dist'),
    logLevel: 'warn',
    resumeGrace: 0,
  }));
  const { port } = await relay.listen();
  const browser = (started.browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    ...launch,
  }));
  return { dir, relay, browser, origin: `http://127.0.0.1:${port}`, server: `ws://127.0.0.1:${port}/signal` };
}

/**
 * Runs a benchmark's `main`, closes what it started whatever happens, and exits with its code (1 when it
 * throws). Ctrl-C closes everything too.
 */
export async function runBench(main: () => Promise<number>): Promise<never> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      void cleanUp().finally(() => process.exit(130));
    });
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  } finally {
    await cleanUp();
  }
  process.exit(exitCode);
}

/**
 * Runs `warmup + runs` rounds of every implementation in `impls`, alternating which goes first so drift over the
 * runs hits them alike. Warm-up results are dropped; failures are collected, not thrown.
 */
export async function alternate<I extends string, R>(
  impls: readonly I[],
  { runs, warmup, progress }: { runs: number; warmup: number; progress: boolean },
  once: (impl: I, run: number) => Promise<R>,
  onMeasuredStart: () => void = () => {},
): Promise<{ results: R[]; failures: { impl: I; run: number; error: string }[] }> {
  const results: R[] = [];
  const failures: { impl: I; run: number; error: string }[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const run = i - warmup;
    if (run === 0) onMeasuredStart();
    for (const impl of i % 2 === 0 ? impls : [...impls].reverse()) {
      try {
        const result = await once(impl, run);
        if (run >= 0) results.push(result);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (run >= 0) failures.push({ impl, run, error: message });
        else console.error(`warm-up ${impl} run failed: ${message}`);
      }
      if (progress) process.stderr.write('.');
    }
  }
  if (progress) process.stderr.write('\n');
  return { results, failures };
}
