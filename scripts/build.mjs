// Builds the kit: dist/lib (unbundled ESM + .d.ts, relay included) and dist/rtc-kit.js (one minified ES module
// with Lit and XState inside, for a plain <script type="module">), and custom-elements.json from the JSDoc.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
await build({
  entryPoints: { 'rtc-kit': 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['node_modules/@custom-elements-manifest/analyzer/cem.js', 'analyze', '--quiet'], {
  stdio: 'inherit',
});
console.log('built dist/lib, dist/rtc-kit.js and custom-elements.json');
