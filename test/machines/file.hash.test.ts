import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createFileHasher, SHA256_STREAM_SOURCE } from '../../src/machines/file.hash.js';

/** The Worker's SHA-256, evaluated from its source as the Worker does. */
const sha256Stream = new Function(`${SHA256_STREAM_SOURCE}\nreturn sha256Stream;`)() as () => {
  update(bytes: Uint8Array): void;
  digest(): string;
};

/** Deterministic bytes that are not all alike. */
const bytes = (size: number): Uint8Array => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7919 + (i >>> 8) * 31 + 13) & 0xff;
  return out;
};
const reference = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('sha256Stream', () => {
  it('matches node:crypto on the padding edges and on a larger input', () => {
    for (const size of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 300_001]) {
      const data = bytes(size);
      const h = sha256Stream();
      h.update(data);
      assert.equal(h.digest(), reference(data), `${size} bytes`);
    }
  });

  it('gives the same digest whatever the chunks', () => {
    const data = bytes(200_003);
    for (const chunk of [1, 7, 63, 64, 65, 4096, 65_532, 262_140]) {
      const h = sha256Stream();
      for (let at = 0; at < data.length; at += chunk) h.update(data.subarray(at, at + chunk));
      assert.equal(h.digest(), reference(data), `chunks of ${chunk}`);
    }
  });
});

describe('createFileHasher', () => {
  it('hashes on this thread where there is no Worker, with the same result', async () => {
    const data = bytes(3 * 1024 * 1024);
    const hasher = createFileHasher(data.length);
    for (let at = 0; at < data.length; at += 262_140) hasher.update(data.subarray(at, at + 262_140));
    assert.equal(await hasher.digest(), reference(data));
  });
});
