import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCommandLine } from '../../server/cli.js';
import { traceViewer } from '../../server/inspect.js';
import { Relay, RelayOptionsError, resolveOptions } from '../../server/index.js';

/** A kit build with recognisable files, so the test does not depend on `npm run build`. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtc-kit-build-'));
  writeFileSync(join(dir, 'rtc-kit.js'), 'export const kit = "rtc-kit bundle";\n');
  writeFileSync(join(dir, 'rtc-inspector.js'), 'export const panel = "inspector chunk";\n');
  writeFileSync(join(dir, 'secret.txt'), 'not for the viewer\n');
  return dir;
}

const relays: Relay[] = [];
after(async () => {
  for (const relay of relays) await relay.close();
});

async function start(options: ConstructorParameters<typeof Relay>[0]): Promise<string> {
  const relay = new Relay({ port: 0, logLevel: 'silent', ...options });
  relays.push(relay);
  const { port } = await relay.listen();
  return `http://127.0.0.1:${port}`;
}

describe('#inspect', () => {
  it('serves the trace viewer at /inspect by default, with the kit it loads', async () => {
    assert.equal(resolveOptions({}).inspect, true);
    const origin = await start({ kitDir: fakeBuild() });
    const page = await fetch(`${origin}/inspect`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    const html = await page.text();
    assert.match(html, /<rtc-inspector id="viewer"><\/rtc-inspector>/);
    assert.match(html, /src="\/inspect\/rtc-kit\.js"/);
    assert.match(html, /Drop a trace file/);
    assert.equal((await fetch(`${origin}/inspect/`)).status, 200);
    assert.match(await (await fetch(`${origin}/inspect/rtc-kit.js`)).text(), /rtc-kit bundle/);
    assert.match(await (await fetch(`${origin}/inspect/rtc-inspector.js`)).text(), /inspector chunk/);
    // Only the two scripts: nothing else of the directory, no way out of it.
    for (const path of ['/inspect/secret.txt', '/inspect/../package.json', '/inspect/%2e%2e/package.json'])
      assert.equal((await fetch(`${origin}${path}`)).status, 404, path);
    assert.equal((await fetch(`${origin}/inspect`, { method: 'POST' })).status, 404);
  });

  it('is off with inspect: false, --inspect false or RTC_RELAY_INSPECT=0', async () => {
    const origin = await start({ kitDir: fakeBuild(), inspect: false });
    assert.equal((await fetch(`${origin}/inspect`)).status, 404);
    assert.equal((await fetch(`${origin}/inspect/rtc-kit.js`)).status, 404);
    assert.deepEqual(parseCommandLine(['--inspect', 'false'], {}).options, { inspect: false });
    assert.deepEqual(parseCommandLine([], { RTC_RELAY_INSPECT: '0' }).options, { inspect: false });
    assert.throws(() => parseCommandLine(['--inspect', 'maybe'], {}), /--inspect must be true or false/);
    assert.throws(() => new Relay({ inspect: 'yes' as never }), RelayOptionsError);
  });

  it('answers 503 with what to do when there is no kit build to load', async () => {
    const server = createServer((req, res) => traceViewer(undefined)(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/inspect`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status, 404);
    } finally {
      server.close();
    }
  });
});
