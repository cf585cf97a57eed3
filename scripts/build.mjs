// Builds the kit: dist/lib (unbundled ESM + .d.ts, relay included) and dist/rtc-kit.js (one minified ES module
// with Lit and XState inside, for a plain <script type="module">), dist/rtc-inspector.js (<rtc-inspector>'s body,
// which the kit imports on demand: see scripts/inspector-chunk.mjs), and custom-elements.json from the JSDoc.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { INSPECTOR_ENTRY, inspectorChunk } from './inspector-chunk.mjs';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
/** @type {import('esbuild').BuildOptions} */
const bundle = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
};
await build({ ...bundle, entryPoints: { 'rtc-kit': 'src/index.ts' }, plugins: [inspectorChunk()] });
await build({ ...bundle, entryPoints: INSPECTOR_ENTRY });
execFileSync(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--quiet'], {
  stdio: 'inherit',
});
console.log('built dist/lib, dist/rtc-kit.js, dist/rtc-inspector.js and custom-elements.json');
