import { fromCallback } from 'xstate';
import { createFileHasher, type FileHasher } from './file.hash.js';

/**
 * Largest message the `file` channel sends, header included: 64 KiB, or less where the negotiated SCTP
 * `maxMessageSize` is smaller. Every browser carries 64 KiB messages intact; larger ones are not safe even under
 * the negotiated limit (Firefox was seen to split a 256 KiB message from Chromium and splice the next one into it).
 */
export const MAX_MESSAGE = 64 * 1024;
/** Bytes of the header in front of each chunk: the transfer number, a big-endian u32. */
export const CHUNK_HEADER = 4;
/** Largest chunk of file data in one message: {@link MAX_MESSAGE} minus the header. */
export const MAX_CHUNK = MAX_MESSAGE - CHUNK_HEADER;

/**
 * The chunk size for a connection whose SCTP transport negotiated `maxMessageSize` (`undefined` before
 * negotiation): {@link MAX_CHUNK}, or less so that chunk and header fit the limit. A limit that is not a number
 * above the header (none, `Infinity`: no limit) leaves {@link MAX_CHUNK}.
 *
 * @example
 * chunkSizeFor(262_144); // 65_532
 * chunkSizeFor(16_384); // 16_380
 */
export function chunkSizeFor(maxMessageSize: number | undefined): number {
  if (typeof maxMessageSize !== 'number' || !(maxMessageSize > CHUNK_HEADER) || !Number.isFinite(maxMessageSize))
    return MAX_CHUNK;
  return Math.min(MAX_MESSAGE, Math.floor(maxMessageSize)) - CHUNK_HEADER;
}
/** The most the sender lets wait in the channel's buffer: about 1 MiB (the webrtc/samples pattern). */
export const HIGH_WATER_MARK = 1024 * 1024;
/** Largest file taken by default: 2 GiB. */
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 ** 3;
/**
 * The sender reads the file about this many bytes at a time (whole chunks), one read ahead: each `Blob.slice` is a
 * round trip to the browser's blob store, which cost more of the main thread than the copies when it was done per
 * chunk (bench:data).
 */
const READ_BYTES = 1024 * 1024;
/**
 * Progress is reported every this many bytes (and at the end), not per chunk: each report goes through the peer
 * and call actors and the flight recorder, which cost more of the main thread than the transfer (bench:data).
 */
const REPORT_EVERY = 256 * 1024;
/** The receiver acknowledges every this many bytes: the sender's `delivered` progress. */
const ACK_EVERY = 1024 * 1024;

/** Why a transfer ended without its file. */
export type TransferFailure = 'cancelled' | 'refused' | 'too-large' | 'integrity' | 'closed' | 'error';

/** What one side of a transfer looks like. */
export interface TransferInfo {
  id: string;
  direction: 'send' | 'receive';
  name: string;
  /** The file's MIME type, e.g. `image/png`; may be empty. */
  mime: string;
  size: number;
}

/** Commands the file actor takes from its peer. */
export type FileCommand =
  | { type: 'files.attach'; channel: RTCDataChannel }
  /** The SCTP transport's negotiated `maxMessageSize`: known only once an answer is applied. */
  | { type: 'files.limit'; maxMessageSize: number }
  | { type: 'files.send'; id: string; file: Blob; name: string }
  | { type: 'files.cancel'; id: string };

/** What the file actor reports. */
export type FileEvent =
  | ({ type: 'files.started' } & TransferInfo)
  /** `bytes` sent (or received); `delivered`: bytes the receiver acknowledged (sends only). */
  | { type: 'files.progress'; id: string; bytes: number; delivered?: number; buffered?: number }
  | { type: 'files.done'; id: string; blob?: Blob; sha256: string; maxBuffered?: number }
  | { type: 'files.failed'; id: string; reason: TransferFailure; message: string; by: 'local' | 'remote' };

/** Input of {@link fileTransferActor}. */
export interface FileTransferInput {
  /** Larger incoming files are refused. */
  maxFileSize?: number;
  /** The channel's buffer the sender waits below (default {@link HIGH_WATER_MARK}). */
  highWaterMark?: number;
}

/** Control messages on the `file` channel, as JSON text; chunks go as binary, `[transfer number: u32][bytes]`. */
type Control =
  | { t: 'offer'; id: string; n: number; name: string; type: string; size: number }
  | { t: 'accept'; id: string }
  | { t: 'refuse'; id: string; reason: TransferFailure; message: string }
  | { t: 'end'; id: string; sha256: string }
  | { t: 'ack'; id: string; bytes: number }
  | { t: 'done'; id: string; ok: boolean; message?: string }
  | { t: 'cancel'; id: string };

function parseControl(text: string): Control | undefined {
  try {
    const value = JSON.parse(text) as Control;
    return value && typeof value === 'object' && typeof value.t === 'string' && typeof value.id === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** Human words for a failure, as the user should read them. */
export function failureMessage(reason: TransferFailure, name: string, detail = ''): string {
  switch (reason) {
    case 'cancelled':
      return `The transfer of ${name} was cancelled.`;
    case 'refused':
      return `${name} was refused${detail ? `: ${detail}` : '.'}`;
    case 'too-large':
      return `${name} is too large${detail ? `: ${detail}` : '.'}`;
    case 'integrity':
      return `${name} arrived damaged (its SHA-256 does not match) and was discarded.`;
    case 'closed':
      return `The connection closed before ${name} was complete.`;
    default:
      return `The transfer of ${name} failed${detail ? `: ${detail}` : '.'}`;
  }
}

interface Outgoing {
  info: TransferInfo;
  n: number;
  file: Blob;
  cancelled: boolean;
  accepted?: (ok: boolean) => void;
  finished?: (ok: boolean, message?: string) => void;
}

interface Incoming {
  info: TransferInfo;
  parts: Uint8Array[];
  bytes: number;
  /** Bytes last reported as progress. */
  reported: number;
  acked: number;
  hash: FileHasher;
}

/**
 * File transfer over one peer connection's `file` channel (reliable, ordered), both ways. A file is read by
 * `Blob.slice`, up to 1 MiB at a time and one read ahead, never whole; each chunk waits while the channel's
 * buffer is above the high-water mark (`bufferedamountlow`), so memory stays bounded whatever the size. SHA-256 is
 * computed as the chunks go, on both sides (in a Worker for files from 1 MiB, see {@link createFileHasher}), and
 * checked on arrival. Either side may cancel; files over `maxFileSize` are refused before a byte is sent.
 * Transfers are sent one at a time, in order. The SCTP association under the channel survives ICE restarts and
 * signaling reconnects, so a transfer carries on through them where it was.
 */
export const fileTransferActor = fromCallback<FileCommand, FileTransferInput, FileEvent>(
  ({ input, sendBack, receive }) => {
    const maxFileSize = input.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    const highWaterMark = input.highWaterMark ?? HIGH_WATER_MARK;
    let channel: RTCDataChannel | undefined;
    let chunkSize = MAX_CHUNK;
    let stopped = false;
    let counter = 0;
    const queue: Outgoing[] = [];
    const outgoing = new Map<string, Outgoing>();
    const incoming = new Map<number, Incoming>();
    const incomingById = new Map<string, number>();
    let opened: () => void = () => {};
    let isOpen = new Promise<void>((resolve) => (opened = resolve));
    let drained: (() => void) | undefined;
    let sending = false;

    /** Forgets an incoming transfer, and its hasher. */
    const drop = (n: number, transfer: Incoming): void => {
      incoming.delete(n);
      incomingById.delete(transfer.info.id);
      transfer.hash.dispose();
    };
    const control = (message: Control): void => {
      if (channel?.readyState === 'open') channel.send(JSON.stringify(message));
    };
    const fail = (id: string, reason: TransferFailure, message: string, by: 'local' | 'remote'): void =>
      sendBack({ type: 'files.failed', id, reason, message, by });

    /** Resolves once the channel's buffer has room for one more chunk under the high-water mark. */
    const room = async (): Promise<void> => {
      while (channel && channel.bufferedAmount + chunkSize > highWaterMark && !stopped)
        await new Promise<void>((resolve) => (drained = resolve));
    };

    const send = async (transfer: Outgoing): Promise<void> => {
      const { info, n } = transfer;
      await isOpen;
      control({ t: 'offer', id: info.id, n, name: info.name, type: info.mime, size: info.size });
      const accepted = await new Promise<boolean>((resolve) => (transfer.accepted = resolve));
      if (!accepted || transfer.cancelled || stopped) return;
      const hash = createFileHasher(info.size);
      try {
        await stream(transfer, hash);
      } finally {
        hash.dispose();
      }
    };

    /** Sends the chunks of an accepted transfer, then its SHA-256, and waits for the receiver's verdict. */
    const stream = async (transfer: Outgoing, hash: FileHasher): Promise<void> => {
      const { info, file, n } = transfer;
      let maxBuffered = 0;
      let offset = 0;
      let reported = 0;
      // Decided now, after negotiation (a transfer waits for the channel to open), and kept for the whole file.
      const size = chunkSize;
      const readSize = Math.max(1, Math.floor(READ_BYTES / size)) * size;
      const read = (from: number): Promise<ArrayBuffer> | undefined =>
        from < info.size ? file.slice(from, Math.min(from + readSize, info.size)).arrayBuffer() : undefined;
      let next = read(0);
      while (next) {
        const block = new Uint8Array(await next);
        // Read the next block while this one goes out.
        next = read(offset + block.byteLength);
        hash.update(block);
        for (let at = 0; at < block.byteLength; at += size) {
          const bytes = block.subarray(at, at + size);
          await room();
          if (transfer.cancelled || stopped || !channel || channel.readyState !== 'open') {
            if (!transfer.cancelled && !stopped) fail(info.id, 'closed', failureMessage('closed', info.name), 'local');
            return;
          }
          const frame = new Uint8Array(CHUNK_HEADER + bytes.byteLength);
          new DataView(frame.buffer).setUint32(0, n);
          frame.set(bytes, CHUNK_HEADER);
          channel.send(frame.buffer);
          maxBuffered = Math.max(maxBuffered, channel.bufferedAmount);
          offset += bytes.byteLength;
          if (offset - reported >= REPORT_EVERY || offset === info.size) {
            reported = offset;
            sendBack({ type: 'files.progress', id: info.id, bytes: offset, buffered: channel.bufferedAmount });
          }
        }
      }
      const digest = await hash.digest();
      if (transfer.cancelled || stopped) return;
      control({ t: 'end', id: info.id, sha256: digest });
      const result = await new Promise<{ ok: boolean; message?: string }>(
        (resolve) => (transfer.finished = (ok, message) => resolve({ ok, message })),
      );
      if (transfer.cancelled || stopped) return;
      if (result.ok) sendBack({ type: 'files.done', id: info.id, sha256: digest, maxBuffered });
      else fail(info.id, 'integrity', failureMessage('integrity', info.name), 'remote');
    };

    const pump = async (): Promise<void> => {
      if (sending) return;
      sending = true;
      while (queue.length && !stopped) {
        const transfer = queue.shift()!;
        try {
          await send(transfer);
        } catch (error) {
          fail(
            transfer.info.id,
            'error',
            failureMessage('error', transfer.info.name, (error as Error).message),
            'local',
          );
        }
        outgoing.delete(transfer.info.id);
      }
      sending = false;
    };

    const onControl = (message: Control): void => {
      const out = outgoing.get(message.id);
      switch (message.t) {
        case 'offer': {
          const size = Number(message.size);
          const info: TransferInfo = {
            id: message.id,
            direction: 'receive',
            name: String(message.name).slice(0, 255) || 'file',
            mime: String(message.type ?? '').slice(0, 255),
            size: Number.isSafeInteger(size) && size >= 0 ? size : -1,
          };
          if (info.size < 0 || !Number.isInteger(message.n)) return;
          sendBack({ type: 'files.started', ...info });
          if (info.size > maxFileSize) {
            const detail = `it is ${info.size} bytes and the limit here is ${maxFileSize}`;
            control({ t: 'refuse', id: info.id, reason: 'too-large', message: detail });
            fail(info.id, 'too-large', failureMessage('too-large', info.name, detail), 'local');
            return;
          }
          incoming.set(message.n, {
            info,
            parts: [],
            bytes: 0,
            reported: 0,
            acked: 0,
            hash: createFileHasher(info.size),
          });
          incomingById.set(info.id, message.n);
          control({ t: 'accept', id: info.id });
          return;
        }
        case 'accept':
          out?.accepted?.(true);
          return;
        case 'refuse':
          if (!out) return;
          fail(
            out.info.id,
            message.reason === 'too-large' ? 'too-large' : 'refused',
            failureMessage(
              message.reason === 'too-large' ? 'too-large' : 'refused',
              out.info.name,
              String(message.message ?? ''),
            ),
            'remote',
          );
          out.cancelled = true;
          out.accepted?.(false);
          return;
        case 'ack':
          if (out)
            sendBack({
              type: 'files.progress',
              id: out.info.id,
              bytes: Number(message.bytes),
              delivered: Number(message.bytes),
            });
          return;
        case 'done':
          out?.finished?.(message.ok === true, message.message);
          return;
        case 'end': {
          const n = incomingById.get(message.id);
          const transfer = n === undefined ? undefined : incoming.get(n);
          if (!transfer || n === undefined) return;
          incoming.delete(n);
          incomingById.delete(message.id);
          transfer.hash.digest().then(
            (digest) => {
              if (stopped) return;
              const ok = digest === message.sha256 && transfer.bytes === transfer.info.size;
              control({ t: 'done', id: message.id, ok });
              if (!ok) {
                fail(message.id, 'integrity', failureMessage('integrity', transfer.info.name), 'local');
                return;
              }
              const blob = new Blob(transfer.parts as BlobPart[], { type: transfer.info.mime });
              sendBack({ type: 'files.done', id: message.id, blob, sha256: digest });
            },
            (error: Error) => {
              if (stopped) return;
              control({ t: 'done', id: message.id, ok: false, message: error.message });
              fail(message.id, 'error', failureMessage('error', transfer.info.name, error.message), 'local');
            },
          );
          return;
        }
        case 'cancel': {
          if (out) {
            out.cancelled = true;
            out.accepted?.(false);
            out.finished?.(false);
            fail(out.info.id, 'cancelled', failureMessage('cancelled', out.info.name), 'remote');
            return;
          }
          const n = incomingById.get(message.id);
          const transfer = n === undefined ? undefined : incoming.get(n);
          if (!transfer || n === undefined) return;
          drop(n, transfer);
          fail(message.id, 'cancelled', failureMessage('cancelled', transfer.info.name), 'remote');
          return;
        }
      }
    };

    const onChunk = (data: ArrayBuffer): void => {
      if (data.byteLength < CHUNK_HEADER) return;
      const n = new DataView(data).getUint32(0);
      const transfer = incoming.get(n);
      if (!transfer) return; // cancelled, or not ours
      const bytes = new Uint8Array(data, CHUNK_HEADER);
      if (transfer.bytes + bytes.byteLength > transfer.info.size) {
        drop(n, transfer);
        control({ t: 'cancel', id: transfer.info.id });
        fail(transfer.info.id, 'integrity', failureMessage('integrity', transfer.info.name), 'local');
        return;
      }
      transfer.parts.push(bytes);
      transfer.hash.update(bytes);
      transfer.bytes += bytes.byteLength;
      if (transfer.bytes - transfer.reported >= REPORT_EVERY || transfer.bytes === transfer.info.size) {
        transfer.reported = transfer.bytes;
        sendBack({ type: 'files.progress', id: transfer.info.id, bytes: transfer.bytes });
      }
      if (transfer.bytes - transfer.acked >= ACK_EVERY || transfer.bytes === transfer.info.size) {
        transfer.acked = transfer.bytes;
        control({ t: 'ack', id: transfer.info.id, bytes: transfer.bytes });
      }
    };

    /** Refill from two chunks under the high-water mark. */
    const setThreshold = (): void => {
      if (channel) channel.bufferedAmountLowThreshold = Math.max(0, highWaterMark - 2 * (chunkSize + CHUNK_HEADER));
    };

    const attach = (next: RTCDataChannel): void => {
      channel = next;
      channel.binaryType = 'arraybuffer';
      setThreshold();
      channel.addEventListener('bufferedamountlow', () => {
        const resolve = drained;
        drained = undefined;
        resolve?.();
      });
      channel.addEventListener('open', () => opened());
      channel.addEventListener('close', () => {
        if (stopped) return;
        for (const { info, hash } of incoming.values()) {
          hash.dispose();
          fail(info.id, 'closed', failureMessage('closed', info.name), 'remote');
        }
        incoming.clear();
        incomingById.clear();
        isOpen = new Promise<void>((resolve) => (opened = resolve));
        drained?.();
      });
      channel.addEventListener('message', ({ data }: MessageEvent) => {
        if (typeof data === 'string') {
          const message = parseControl(data);
          if (message) onControl(message);
        } else if (data instanceof ArrayBuffer) onChunk(data);
      });
      if (channel.readyState === 'open') opened();
    };

    receive((command) => {
      switch (command.type) {
        case 'files.attach':
          attach(command.channel);
          return;
        case 'files.limit':
          // Chunk and header must fit the negotiated limit; until it is known, MAX_CHUNK fits every browser's.
          chunkSize = chunkSizeFor(command.maxMessageSize);
          setThreshold();
          return;
        case 'files.send': {
          const info: TransferInfo = {
            id: command.id,
            direction: 'send',
            name: command.name,
            mime: command.file.type,
            size: command.file.size,
          };
          const transfer: Outgoing = { info, n: counter++, file: command.file, cancelled: false };
          outgoing.set(info.id, transfer);
          queue.push(transfer);
          sendBack({ type: 'files.started', ...info });
          void pump();
          return;
        }
        case 'files.cancel': {
          const out = outgoing.get(command.id);
          if (out) {
            out.cancelled = true;
            control({ t: 'cancel', id: command.id });
            out.accepted?.(false);
            out.finished?.(false);
            drained?.();
            const waiting = queue.indexOf(out);
            if (waiting >= 0) queue.splice(waiting, 1);
            fail(command.id, 'cancelled', failureMessage('cancelled', out.info.name), 'local');
            return;
          }
          const n = incomingById.get(command.id);
          const transfer = n === undefined ? undefined : incoming.get(n);
          if (!transfer || n === undefined) return;
          drop(n, transfer);
          control({ t: 'cancel', id: command.id });
          fail(command.id, 'cancelled', failureMessage('cancelled', transfer.info.name), 'local');
          return;
        }
      }
    });

    return () => {
      stopped = true;
      drained?.();
      for (const { hash } of incoming.values()) hash.dispose();
      for (const out of outgoing.values()) {
        out.accepted?.(false);
        out.finished?.(false);
      }
    };
  },
);
