// The in-page half of `npm run bench:data` (bench/data.bench.ts drives it with puppeteer): the same bytes sent
// over a data channel on loopback two ways, in this one page: with rtc-kit's `call.sendFile` between two calls in
// one room of the relay, and with a hand-written RTCDataChannel sender between two RTCPeerConnections connected
// directly here. For each run the driver calls `setup`, then `measure` (the timed part), then `finish`. See the
// `## Data` section of docs/benchmarks.md.

/**
 * @typedef {typeof import('../../src/index.js').createCall} CreateCall
 * @typedef {import('../../src/index.js').Call} Call
 * @typedef {import('../../src/index.js').Transfer} Transfer
 * @typedef {'rtc-kit' | 'raw'} Impl
 */

/**
 * @typedef {object} Kit What index.html hands over from the engine bundle.
 * @property {CreateCall} createCall
 * @property {number} HIGH_WATER_MARK
 * @property {number} MAX_MESSAGE The largest message rtc-kit's file channel sends, header included.
 */

/**
 * @typedef {object} SetupOptions
 * @property {Impl} impl
 * @property {string} server WebSocket URL of the relay (rtc-kit only).
 * @property {string} room A room no other run used (rtc-kit only).
 * @property {number} size Bytes to send.
 * @property {number} timeoutMs Connecting, and then the transfer, may each take this long.
 * @property {number} [rawHighWaterMark] The raw sender's high-water mark, bytes (default {@link RAW_HIGH_WATER_MARK}).
 * @property {number} [rawMessage] The raw sender's message size, bytes (default rtc-kit's: 64 KiB or the
 *   transport's largest message).
 */

/**
 * @typedef {object} RunResult
 * @property {Impl} impl
 * @property {number} bytes Bytes the receiver got.
 * @property {number} ms From the first send (rtc-kit: `sendFile`) to the receiver having every byte (rtc-kit: the
 *   receiver's transfer `done`, after its SHA-256 check and Blob assembly).
 * @property {number} senderMs rtc-kit: until the sender's `done` (the receiver's `done` control message is back);
 *   raw: until the last `send()` returned.
 * @property {number} message Size of each data-channel message, bytes (rtc-kit's includes its 4-byte header).
 * @property {number} maxBuffered The most the sender's `bufferedAmount` was after a send.
 * @property {number} highWaterMark
 * @property {number} progressEvents `progress` events the sender's FileTransfer fired (rtc-kit only).
 * @property {number} transferEvents `transfer` events the receiving call emitted (rtc-kit only).
 * @property {string[]} notes
 */

/**
 * @typedef {object} DataBench
 * @property {(options: SetupOptions) => Promise<void>} setup Makes the data to send (once per size) and connects
 *   the two ends, then sends a 1-byte warm-up through them; not timed.
 * @property {() => Promise<RunResult>} measure Sends the data once.
 * @property {() => void} finish Closes both ends and lets go of what was received.
 */

/** The raw sender waits while another message would take the channel's buffer over this: rtc-kit's figure. */
const RAW_HIGH_WATER_MARK = 1024 * 1024;

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
function within(promise, ms, what) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, timeout])).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `test()` holds, checking every 5 ms.
 *
 * @param {() => boolean} test
 * @returns {Promise<void>}
 */
function until(test) {
  return new Promise((resolve) => {
    const check = () => (test() ? resolve() : setTimeout(check, 5));
    check();
  });
}

/**
 * `size` random bytes. `getRandomValues` fills at most 64 KiB at a time.
 *
 * @param {number} size
 * @returns {Uint8Array<ArrayBuffer>}
 */
function randomBytes(size) {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536)
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65_536)));
  return bytes;
}

/**
 * @param {RTCDataChannel} channel
 * @returns {Promise<void>}
 */
const opened = (channel) =>
  channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));

/**
 * Sets `pc`'s local description and waits for its candidates: the two ends exchange complete descriptions.
 *
 * @param {RTCPeerConnection} pc
 * @returns {Promise<RTCSessionDescriptionInit>}
 */
async function gathered(pc) {
  await pc.setLocalDescription();
  if (pc.iceGatheringState !== 'complete')
    await new Promise((resolve) =>
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve(null)),
    );
  return /** @type {RTCSessionDescription} */ (pc.localDescription).toJSON();
}

/**
 * @param {Kit} kit
 * @returns {DataBench}
 */
function dataBench({ createCall, HIGH_WATER_MARK, MAX_MESSAGE }) {
  /** The data, made once per size: raw sends from the bytes, rtc-kit from a Blob of them (a file in memory). */
  /** @type {{ bytes: Uint8Array<ArrayBuffer>, blob: Blob } | undefined} */
  let data;
  /** @type {SetupOptions | undefined} */
  let options;
  /** @type {(() => void)[]} */
  let cleanups = [];
  /** @type {(() => Promise<RunResult>) | undefined} */
  let run;

  /** @param {SetupOptions} o @param {{ bytes: Uint8Array<ArrayBuffer>, blob: Blob }} d */
  async function setupKit(o, d) {
    const make = (/** @type {string} */ name) =>
      createCall({ server: o.server, room: o.room, meta: { name }, media: false });
    const alice = make('Alice');
    const bob = make('Bob');
    /** @type {string[]} */
    const notes = [];
    for (const [name, call] of /** @type {const} */ ([
      ['alice', alice],
      ['bob', bob],
    ]))
      call.on('error', (error) => notes.push(`${name}: ${JSON.stringify(error)}`));
    cleanups.push(() => {
      for (const call of [alice, bob]) {
        call.leave();
        call.dispose();
      }
    });
    alice.join();
    bob.join();
    await within(
      until(() => alice.peers.length === 1 && bob.peers.length === 1),
      o.timeoutMs,
      'both calls to know each other',
    );
    const to = /** @type {string} */ (alice.peers[0]?.key);

    /** Resolves with performance.now() when Bob has the whole of transfer `id()`, with the Blob's size. */
    const arrival = (/** @type {() => string} */ id) => {
      let events = 0;
      const promise = new Promise((resolve, reject) => {
        const off = bob.on('transfer', ({ transfer }) => {
          events++;
          if (transfer.id !== id()) return;
          if (transfer.state === 'done') {
            off();
            resolve({ at: performance.now(), size: transfer.blob?.size ?? -1 });
          } else if (transfer.state === 'failed') {
            off();
            reject(new Error(`Bob's side failed: ${transfer.error?.message}`));
          }
        });
      });
      return {
        promise: /** @type {Promise<{ at: number, size: number }>} */ (promise),
        events: () => events,
      };
    };

    // Warm-up: the file channel is open and both ends have run the transfer code once.
    let warmId = '';
    const warm = arrival(() => warmId);
    warmId = alice.sendFile(new Blob([new Uint8Array(1)]), { to, name: 'warm-up' }).id;
    await within(warm.promise, o.timeoutMs, 'the warm-up file');
    const pc = alice.connection(to);
    const maxMessageSize = pc?.sctp?.maxMessageSize ?? Infinity;

    run = async () => {
      let id = '';
      const arrived = arrival(() => id);
      let progressEvents = 0;
      const start = performance.now();
      const transfer = alice.sendFile(d.blob, { to, name: 'bench.bin' });
      id = transfer.id;
      transfer.addEventListener('progress', () => progressEvents++);
      const senderDone = transfer.done.then(() => performance.now());
      const { at, size } = await within(arrived.promise, o.timeoutMs, 'Bob to have the file');
      const senderAt = await within(senderDone, o.timeoutMs, "Alice's transfer to be done");
      if (size !== o.size) throw new Error(`Bob's Blob has ${size} bytes, not ${o.size}`);
      const sent = alice.transfers.find((t) => t.id === id);
      return {
        impl: 'rtc-kit',
        bytes: size,
        ms: at - start,
        senderMs: senderAt - start,
        message: Math.min(MAX_MESSAGE, maxMessageSize),
        maxBuffered: sent?.maxBuffered ?? NaN,
        highWaterMark: HIGH_WATER_MARK,
        progressEvents,
        transferEvents: arrived.events(),
        notes,
      };
    };
  }

  /** @param {SetupOptions} o @param {{ bytes: Uint8Array<ArrayBuffer>, blob: Blob }} d */
  async function setupRaw(o, d) {
    const sender = new RTCPeerConnection();
    const receiver = new RTCPeerConnection();
    cleanups.push(() => {
      sender.close();
      receiver.close();
    });
    const channel = sender.createDataChannel('bench', { ordered: true });
    channel.binaryType = 'arraybuffer';
    /** @type {Promise<RTCDataChannel>} */
    const incoming = new Promise((resolve) => receiver.addEventListener('datachannel', (e) => resolve(e.channel)));
    const connect = async () => {
      await receiver.setRemoteDescription(await gathered(sender));
      await sender.setRemoteDescription(await gathered(receiver));
      await opened(channel);
      const rx = await incoming;
      rx.binaryType = 'arraybuffer';
      await opened(rx);
      return rx;
    };
    const rx = await within(connect(), o.timeoutMs, 'the raw channel to open');
    // Warm-up, as for rtc-kit: one small message through.
    await within(
      new Promise((resolve) => {
        rx.addEventListener('message', resolve, { once: true });
        channel.send(new Uint8Array(1));
      }),
      o.timeoutMs,
      'the warm-up message',
    );
    const message = Math.min(o.rawMessage ?? MAX_MESSAGE, sender.sctp?.maxMessageSize ?? Infinity);
    const highWaterMark = o.rawHighWaterMark ?? RAW_HIGH_WATER_MARK;
    // Refill from two messages under the mark, as rtc-kit does.
    channel.bufferedAmountLowThreshold = Math.max(0, highWaterMark - 2 * message);

    run = async () => {
      const { bytes } = d;
      const size = bytes.byteLength;
      /** @type {ArrayBuffer[]} */
      const parts = [];
      let received = 0;
      /** @type {Promise<number>} */
      const arrived = new Promise((resolve) => {
        rx.onmessage = ({ data }) => {
          parts.push(data);
          received += data.byteLength;
          if (received === size) resolve(performance.now());
        };
      });
      cleanups.push(() => (parts.length = 0));
      let offset = 0;
      let maxBuffered = 0;
      let lastSend = 0;
      const pump = () => {
        while (offset < size) {
          if (channel.bufferedAmount + message > highWaterMark) return; // bufferedamountlow calls again
          const end = Math.min(size, offset + message);
          channel.send(bytes.subarray(offset, end));
          offset = end;
          maxBuffered = Math.max(maxBuffered, channel.bufferedAmount);
        }
        lastSend = performance.now();
      };
      channel.addEventListener('bufferedamountlow', pump);
      const start = performance.now();
      pump();
      const at = await within(arrived, o.timeoutMs, 'the receiver to have every byte');
      channel.removeEventListener('bufferedamountlow', pump);
      return {
        impl: 'raw',
        bytes: received,
        ms: at - start,
        senderMs: lastSend - start,
        message,
        maxBuffered,
        highWaterMark,
        progressEvents: 0,
        transferEvents: 0,
        notes: [],
      };
    };
  }

  return {
    async setup(o) {
      if (run) throw new Error('finish() the previous run first');
      options = o;
      if (data?.bytes.byteLength !== o.size) {
        data = undefined;
        const bytes = randomBytes(o.size);
        data = { bytes, blob: new Blob([bytes], { type: 'application/octet-stream' }) };
      }
      await (o.impl === 'rtc-kit' ? setupKit(o, data) : setupRaw(o, data));
    },

    async measure() {
      if (!run || !options) throw new Error('setup() first');
      return run();
    },

    finish() {
      for (const cleanup of cleanups.splice(0)) cleanup();
      run = undefined;
      options = undefined;
    },
  };
}

/**
 * Called by index.html with the engine bundle's exports; exposes `window.dataBench`.
 *
 * @param {Kit} kit
 */
export function install(kit) {
  Object.assign(window, { dataBench: dataBench(kit) });
}
