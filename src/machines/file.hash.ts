import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Files from this size are hashed in a Worker; smaller ones are done before a worker would have started. */
export const WORKER_HASH_MIN = 1024 * 1024;

/** An incremental SHA-256 of a file as its chunks go by. */
export interface FileHasher {
  /** Adds the next bytes. The hasher copies what it needs: the caller may reuse or keep `bytes`. */
  update(bytes: Uint8Array): void;
  /** The SHA-256 of everything added, as lowercase hex. Call once, after the last `update`. */
  digest(): Promise<string>;
  /** Lets go of the hasher without a digest (a cancelled or failed transfer). */
  dispose(): void;
}

/**
 * SHA-256 (FIPS 180-4), incremental, as plain JavaScript source defining `function sha256Stream()`, which returns
 * `{ update(bytes: Uint8Array): void, digest(): string }` (lowercase hex). It is the hashing Worker's code (see
 * {@link createFileHasher}): a string rather than a function's `toString()`, so that no bundler or coverage
 * instrumentation can change what the Worker runs. Checked against `node:crypto` in
 * test/machines/file.hash.test.ts.
 */
export const SHA256_STREAM_SOURCE = `function sha256Stream() {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const W = new Uint32Array(64);
  const block = new Uint8Array(64);
  let filled = 0;
  let length = 0;
  // Compresses count 64-byte blocks of b, from at, into H.
  const compress = (b, at, count) => {
    let h0 = H[0], h1 = H[1], h2 = H[2], h3 = H[3], h4 = H[4], h5 = H[5], h6 = H[6], h7 = H[7];
    for (let n = 0; n < count; n++, at += 64) {
      for (let i = 0, o = at; i < 16; i++, o += 4) W[i] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
      for (let i = 16; i < 64; i++) {
        const w15 = W[i - 15];
        const w2 = W[i - 2];
        const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
        const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      let a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        h = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = bb;
        bb = a;
        a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + bb) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0;
      h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0;
      h7 = (h7 + h) | 0;
    }
    H[0] = h0; H[1] = h1; H[2] = h2; H[3] = h3; H[4] = h4; H[5] = h5; H[6] = h6; H[7] = h7;
  };
  const update = (bytes) => {
    length += bytes.length;
    let at = 0;
    if (filled) {
      const take = Math.min(64 - filled, bytes.length);
      block.set(bytes.subarray(0, take), filled);
      filled += take;
      at = take;
      if (filled < 64) return;
      compress(block, 0, 1);
      filled = 0;
    }
    const whole = (bytes.length - at) >>> 6;
    compress(bytes, at, whole);
    at += whole * 64;
    block.set(bytes.subarray(at), 0);
    filled = bytes.length - at;
  };
  const digest = () => {
    const tail = new Uint8Array(filled < 56 ? 64 : 128);
    tail.set(block.subarray(0, filled));
    tail[filled] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(tail.length - 4, (length * 8) >>> 0);
    compress(tail, 0, tail.length / 64);
    let hex = '';
    for (const word of H) hex += word.toString(16).padStart(8, '0');
    return hex;
  };
  return { update, digest };
}`;

/** The Worker's script: a {@link sha256Stream} fed by messages; `null` asks for the digest. */
const workerSource = (): string =>
  `${SHA256_STREAM_SOURCE}\n` +
  'const h = sha256Stream();\n' +
  'self.onmessage = ({ data }) => { if (data === null) { self.postMessage(h.digest()); self.close(); } else h.update(data); };\n' +
  "self.postMessage('ready');\n";

/** Bytes gathered before they go to the hashing Worker in one message. */
const HASH_BATCH = 1024 * 1024;

let workerUrl: string | undefined;
/** Set once a hashing Worker could not start here (no Worker, or a Content-Security-Policy without `blob:`). */
let workersFail = typeof Worker === 'undefined' || typeof URL.createObjectURL !== 'function';

/** A hasher on the main thread, with @noble/hashes. */
function inlineHasher(): FileHasher {
  const hash = sha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    digest: async () => bytesToHex(hash.digest()),
    dispose: () => {},
  };
}

/**
 * A hasher for a file of `size` bytes. From {@link WORKER_HASH_MIN} bytes it hashes in a dedicated Worker, so the
 * main thread only copies each chunk to it (SHA-256 in JavaScript costs about 20× a copy): on a 2-core machine
 * this was most of the main thread's work during a transfer. Until the worker says it runs, the chunks stay here
 * too, so if it cannot start (a Content-Security-Policy that forbids `blob:` workers) the hash falls back to the
 * main thread without losing a byte; later transfers then hash on the main thread from the start.
 */
export function createFileHasher(size: number): FileHasher {
  if (size < WORKER_HASH_MIN || workersFail) return inlineHasher();
  let worker: Worker;
  try {
    workerUrl ??= URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }));
    worker = new Worker(workerUrl);
  } catch {
    workersFail = true;
    return inlineHasher();
  }
  /** Chunks sent before the worker said it runs: replayed into a main-thread hash if it never does. */
  let pending: Uint8Array[] | undefined = [];
  let fallback: FileHasher | undefined;
  let settle: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  const result = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {});
  let wantDigest = false;
  worker.onmessage = ({ data }: MessageEvent<string>) => {
    if (data === 'ready') pending = undefined;
    else settle?.resolve(data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    worker.terminate();
    if (!pending) {
      settle?.reject(new Error(`hashing failed: ${event.message}`));
      return;
    }
    workersFail = true;
    fallback = inlineHasher();
    for (const bytes of pending) fallback.update(bytes);
    pending = undefined;
    if (wantDigest) void fallback.digest().then(settle?.resolve);
  };
  // Small updates (a receiver's 64 KiB chunks) are gathered into one buffer and handed over (transferred, not
  // cloned) a MiB at a time: one message per chunk cost the main thread more than the copy (bench:data).
  let stage: Uint8Array | undefined;
  let staged = 0;
  const flush = (): void => {
    if (!stage || !staged) return;
    const full = staged === stage.byteLength ? stage : stage.slice(0, staged);
    worker.postMessage(full, [full.buffer]);
    stage = undefined;
    staged = 0;
  };
  return {
    update(bytes) {
      if (fallback) return fallback.update(bytes);
      pending?.push(bytes.slice());
      if (bytes.byteLength >= HASH_BATCH) {
        flush();
        // A view clones its whole buffer: a small view of a large buffer goes as a copy of its own bytes.
        worker.postMessage(bytes.buffer.byteLength > bytes.byteLength + 64 ? bytes.slice() : bytes);
        return;
      }
      if (stage && staged + bytes.byteLength > stage.byteLength) flush();
      stage ??= new Uint8Array(HASH_BATCH);
      stage.set(bytes, staged);
      staged += bytes.byteLength;
      if (staged === stage.byteLength) flush();
    },
    digest() {
      wantDigest = true;
      if (fallback) return fallback.digest();
      flush();
      worker.postMessage(null);
      return result;
    },
    dispose() {
      worker.terminate();
      pending = undefined;
    },
  };
}
