// npm run bench:size — min+gzip size of what a page downloads: the whole kit (dist/rtc-kit.js: Lit, XState,
// every element) and the engine alone (createCall and the machines, no elements), with a breakdown by package.
// <rtc-inspector>'s body is not in the kit (it loads on demand from dist/rtc-inspector.js): measured apart.
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { INSPECTOR_ENTRY, inspectorChunk } from '../scripts/inspector-chunk.mjs';

const TARGET_KIB = 32;
const REFERENCES: [string, number][] = [
  ['PeerJS', 23],
  ['simple-peer', 28],
  ['livekit-client', 150],
];

/** Bundles `contents` the way scripts/build.mjs bundles dist/rtc-kit.js, in memory. */
async function bundle(contents: string): Promise<{ bytes: number; gzip: number; metafile: Metafile }> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    plugins: [inspectorChunk()],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    legalComments: 'none',
  });
  const code = result.outputFiles[0]!.contents;
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}

/** Minified bytes per package (or `rtc-kit` for our own source), largest first. */
function byPackage(metafile: Metafile): [string, number][] {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs))
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match ? match[1]! : 'rtc-kit';
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

const kit = await bundle(`export * from './src/index.ts';`);
const engine = await bundle(`export { createCall } from './src/call.ts';`);
const inspector = await bundle(`export * from './${Object.values(INSPECTOR_ENTRY)[0]}';`);
const json = process.argv.includes('--json');
if (json) {
  console.log(
    JSON.stringify({
      kit: { min: kit.bytes, gzip: kit.gzip },
      engine: { min: engine.bytes, gzip: engine.gzip },
      inspector: { min: inspector.bytes, gzip: inspector.gzip },
    }),
  );
} else {
  console.log('bundle                       min+gzip    minified');
  console.log(`rtc-kit.js (everything)      ${kib(kit.gzip).padEnd(11)} ${kib(kit.bytes)}`);
  console.log(`engine alone (createCall)    ${kib(engine.gzip).padEnd(11)} ${kib(engine.bytes)}`);
  console.log(`rtc-inspector.js (on demand) ${kib(inspector.gzip).padEnd(11)} ${kib(inspector.bytes)}`);
  console.log(
    `\ntarget: whole kit ≤ ${TARGET_KIB} KiB gzip → ${kit.gzip <= TARGET_KIB * 1024 ? 'met' : 'NOT met'} (${(kit.gzip / 1024 / TARGET_KIB).toFixed(2)}× the target)`,
  );
  console.log(`for scale: ${REFERENCES.map(([name, size]) => `${name} ≈ ${size} KiB`).join(', ')}`);
  console.log('\nwhole kit by package (minified, before gzip):');
  for (const [name, bytes] of byPackage(kit.metafile)) console.log(`  ${name.padEnd(24)} ${kib(bytes)}`);
}
