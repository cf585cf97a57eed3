import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintToken } from '../../server/index.js';
import { startRelay, TestClient } from './helpers.js';

const SECRET = 'probe-test-secret-that-is-32-characters-or-more';

/** What `GET /signal` (no upgrade) answers for `query`, with `headers`. */
async function probe(http: string, query = '', headers: Record<string, string> = {}) {
  const response = await fetch(`${http}/signal${query}`, { headers });
  assert.equal(response.headers.get('access-control-allow-origin'), '*', 'a page on any origin can read it');
  return { status: response.status, body: (await response.json()) as { ok: boolean; code?: string; message?: string } };
}

describe('#probe', () => {
  it('says ok when an upgrade would be admitted, and why not otherwise: 401, 403, 429', async () => {
    const { relay, http, url } = await startRelay({
      secret: SECRET,
      allowOrigins: ['https://app.example'],
      maxConnectionsPerIp: 1,
    });
    const token = await mintToken(SECRET, { room: '*', ttl: 60 });
    const origin = { origin: 'https://app.example' };
    assert.deepEqual(await probe(http, `?token=${token}`, origin), { status: 200, body: { ok: true } });
    const refused = [
      [await probe(http, '', origin), 401, 'unauthorized'],
      [await probe(http, '?token=forged.jwt.value', origin), 401, 'unauthorized'],
      [await probe(http, `?token=${token}`, { origin: 'https://evil.example' }), 403, 'origin-refused'],
    ] as const;
    for (const [answer, status, code] of refused) {
      assert.equal(answer.status, status);
      assert.equal(answer.body.ok, false);
      assert.equal(answer.body.code, code);
      assert.ok((answer.body.message ?? '').length > 10, 'with a message to show');
    }
    // The one slot of this address taken: the next upgrade would get 429, and the probe says so.
    const client = await TestClient.connect(`${url}?token=${token}`, origin);
    const full = await probe(http, `?token=${token}`, origin);
    assert.deepEqual([full.status, full.body.code], [429, 'too-many-connections']);
    client.close();
    await relay.close();
  });

  it('lets a page on another origin read that a mistyped path is 404', async () => {
    const { relay, http } = await startRelay();
    const response = await fetch(`${http}/sigal`, { headers: { origin: 'https://app.example' } });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    await relay.close();
  });

  it('takes no slot of the address it comes from', async () => {
    const { relay, http, url } = await startRelay({ maxConnectionsPerIp: 1 });
    for (let i = 0; i < 5; i++) assert.equal((await probe(http)).status, 200);
    const client = await TestClient.connect(url);
    client.close();
    await relay.close();
  });
});
