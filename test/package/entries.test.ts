/**
 * The package's entry points, as an app resolves them (`rtc-kit/…` through package.json "exports", against the
 * built dist/): what each exports, and that the entries without side effects leave nothing behind in a bundle
 * that does not use it. Run after `npm run build`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

/** Bundles `contents` (an app's module) the way an app's bundler would, minified, in memory. */
async function bundle(contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

const DEFINES = /customElements\.define/;

describe('package entries', () => {
  it('rtc-kit/engine gives createCall with no element and no registration', async () => {
    const code = await bundle(`import { createCall } from 'rtc-kit/engine'; console.log(createCall);`);
    assert.doesNotMatch(code, DEFINES);
    assert.doesNotMatch(code, /LitElement|rtc-controls/, 'no element class comes along');
  });

  it('an import the app does not use leaves nothing behind (sideEffects)', async () => {
    for (const entry of ['rtc-kit/engine', 'rtc-kit/components', 'rtc-kit/signaling']) {
      const code = await bundle(`import * as unused from '${entry}'; void 0;`);
      assert.ok(code.length < 100, `${entry}: ${code.length} bytes left in an app that uses none of it`);
    }
  });

  it('rtc-kit/components gives the element classes without registering them', async () => {
    const code = await bundle(
      `import { RtcCall, RtcVideo } from 'rtc-kit/components'; console.log(RtcCall, RtcVideo);`,
    );
    assert.doesNotMatch(code, DEFINES);
  });

  it('rtc-kit, rtc-kit/define and the built dist/rtc-kit.js register every element', async () => {
    for (const entry of ['rtc-kit', 'rtc-kit/define', './src/index.ts', './dist/rtc-kit.js']) {
      const code = await bundle(`import '${entry}';`);
      for (const name of ['rtc-call', 'rtc-video', 'rtc-controls', 'rtc-chat', 'rtc-stats', 'rtc-inspector'])
        assert.match(code, new RegExp(`define\\("${name}"`), `${entry} registers <${name}>`);
    }
  });

  it('declares as side effects exactly the modules that register elements', () => {
    const { sideEffects } = JSON.parse(readFileSync('package.json', 'utf8')) as { sideEffects: string[] };
    const declared = sideEffects.map(
      (glob) => new RegExp(`^${glob.replace(/^\.\//, '').replace(/\./g, '\\.').replace(/\*/g, '[^/]+')}$`),
    );
    // The built modules, and the sources: a bundler that builds from src/ (ours, or an app's through a link)
    // reads the same field, and would drop an undeclared registration.
    const files = (dir: string, ext: string): string[] =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith(ext) && !file.endsWith('.d.ts'))
        .map((file) => join(dir, file));
    for (const file of [...files('dist/lib/src', '.js'), ...files('src', '.ts')]) {
      // It registers, or imports a module only for its effect (a bare `import '…';`).
      const code = readFileSync(file, 'utf8');
      const registers = DEFINES.test(code) || /^import '[^']+';$/m.test(code);
      assert.equal(
        declared.some((pattern) => pattern.test(file)),
        registers,
        `${file}: registers ${registers}`,
      );
    }
  });

  it('exports the custom elements manifest', async () => {
    const { default: manifest } = await import('rtc-kit/custom-elements.json', { with: { type: 'json' } });
    assert.equal(manifest.schemaVersion !== undefined, true);
  });
});
