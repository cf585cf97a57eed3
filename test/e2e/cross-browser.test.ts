// Calls between browsers: Chromium↔Firefox in both join orders, Firefox↔Firefox, and a mesh of three with both
// browsers in it. Each participant runs the demo in a browser process of its own; the checks are what a user
// would see and hear: remote video whose frames advance, remote audio with energy in it, chat, app data, and a
// 1 MiB file from every participant to every other, its SHA-256 checked on arrival.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import type { Relay } from '../../server/index.js';
import { joinDemo, launch, newPage, poll, startDemoRelay, type BrowserName } from './browsers.js';

let relay: Relay;
let origin: string;

before(async () => {
  ({ relay, origin } = await startDemoRelay());
});
after(() => relay?.close());

interface Participant {
  name: string;
  browser: Browser;
  page: Page;
}

/** What a page received, recorded from the events `<rtc-call>` fires. */
interface Received {
  messages: { from: string; text: string }[];
  data: { from: string; channel: string; data: unknown }[];
  files: { from: string; name: string; size: number; sha256: string }[];
}

/** Starts recording, in `page`, the chat messages, app data and files `<rtc-call>` delivers. */
function record(page: Page): Promise<void> {
  return page.evaluate(() => {
    const received: Received = { messages: [], data: [], files: [] };
    (window as unknown as { received: Received }).received = received;
    // No named functions in here: tsx wraps them in a __name() helper that the page does not have.
    document.addEventListener('rtc-message', (event) => {
      if (event.peer !== 'local') received.messages.push({ from: String(event.peer.meta.name), text: event.text });
    });
    document.addEventListener('rtc-data', (event) =>
      received.data.push({ from: String(event.peer.meta.name), channel: event.channel, data: event.data }),
    );
    document.addEventListener('rtc-file', async (event) => {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await event.file.arrayBuffer()));
      const sha256 = [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      received.files.push({ from: String(event.peer.meta.name), name: event.file.name, size: event.file.size, sha256 });
    });
  });
}

/** Launches `browser`, opens the demo in `room` and joins as `name`, recording what arrives. */
async function join(browserName: BrowserName, name: string, room: string): Promise<Participant> {
  const browser = await launch(browserName);
  const page = await newPage(browser);
  await page.goto(`${origin}/#${room}`);
  await record(page);
  await joinDemo(page, `${origin}/#${room}`, name);
  return { name, browser, page };
}

/** Waits until `page` shows `count` remote tiles. */
function remoteTiles(page: Page, count: number): Promise<unknown> {
  return page.waitForFunction(
    (n) => {
      const call = document.querySelector('rtc-call');
      const tiles = [...(call?.shadowRoot?.querySelectorAll('rtc-video') ?? [])];
      return (
        call?.getAttribute('state') === 'in-call' &&
        tiles.filter((t) => t.getAttribute('peer') !== 'local').length === n
      );
    },
    poll,
    count,
  );
}

/**
 * Readings of every remote participant, in `page`'s order of `<rtc-call>.peers`: the inbound video's
 * `framesDecoded`, the inbound audio's `totalAudioEnergy` (Chromium and Firefox both report them), and the
 * `currentTime` of the participant's `<video>` in its tile.
 */
function readings(page: Page): Promise<{ frames: number; energy: number; time: number; width: number }[]> {
  return page.evaluate(async () => {
    const call = document.querySelector('rtc-call') as unknown as HTMLElement & {
      peers: { key: string }[];
      provided: { connection(key: string): RTCPeerConnection | undefined };
    };
    const out: { frames: number; energy: number; time: number; width: number }[] = [];
    for (const { key } of call.peers) {
      const reading = { frames: 0, energy: 0, time: 0, width: 0 };
      (await call.provided.connection(key)?.getStats())?.forEach(
        (stat: { type: string; kind?: string; framesDecoded?: number; totalAudioEnergy?: number }) => {
          if (stat.type === 'inbound-rtp' && stat.kind === 'video') reading.frames += stat.framesDecoded ?? 0;
          if (stat.type === 'inbound-rtp' && stat.kind === 'audio') reading.energy += stat.totalAudioEnergy ?? 0;
        },
      );
      const tile = call.shadowRoot?.querySelector(`rtc-video[peer="${key}"]`);
      const video = tile?.shadowRoot?.querySelector('video');
      reading.time = video?.currentTime ?? 0;
      reading.width = video?.videoWidth ?? 0;
      out.push(reading);
    }
    return out;
  });
}

/** Polls {@link readings} of `page` until `ok(start, now)` holds for each of its `count` remote participants. */
async function until(
  page: Page,
  count: number,
  what: string,
  ok: (
    start: Awaited<ReturnType<typeof readings>>[number],
    now: Awaited<ReturnType<typeof readings>>[number],
  ) => boolean,
): Promise<void> {
  const start = await readings(page);
  assert.equal(start.length, count, `${count} remote participants`);
  const deadline = Date.now() + poll.timeout;
  for (;;) {
    const now = await readings(page);
    if (now.length === count && now.every((reading, i) => ok(start[i]!, reading))) return;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(start)} → ${JSON.stringify(now)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every remote tile of `page` shows decoded video, its frames and playback time advancing. */
const videoAdvances = (page: Page, count: number): Promise<void> =>
  until(
    page,
    count,
    'remote video advances',
    (start, now) => now.width > 0 && now.frames >= start.frames + 10 && now.time > start.time,
  );

/** Every remote participant's audio reaches `page` decoded and not silent: its energy grows. */
const audioFlows = (page: Page, count: number): Promise<void> =>
  until(page, count, 'remote audio energy grows', (start, now) => now.energy > start.energy);

/** Sends a chat message from `from`, and waits for every other participant to show it. */
async function chat(from: Participant, to: Participant[]): Promise<void> {
  const text = `Hello from ${from.name}`;
  await from.page.evaluate(
    (t) => (document.querySelector('rtc-call') as unknown as { send(d: unknown): void }).send(t),
    text,
  );
  for (const { page } of to) {
    await page.waitForFunction(
      (t: string) => (window as unknown as { received: Received }).received.messages.some((m) => m.text === t),
      poll,
      text,
    );
    await page.waitForFunction(
      (t: string) => document.querySelector('rtc-chat')?.shadowRoot?.textContent?.includes(t),
      poll,
      text,
    );
  }
}

/** Sends app data on the `data` channel from `from`; every other participant gets it as sent. */
async function appData(from: Participant, to: Participant[]): Promise<void> {
  const payload = { from: from.name, cursor: [12, 40], nested: { ok: true } };
  await from.page.evaluate(
    (p) =>
      (document.querySelector('rtc-call') as unknown as { send(d: unknown, o: object): void }).send(p, {
        channel: 'data',
      }),
    payload,
  );
  for (const { page } of to) {
    const got = await page.waitForFunction(
      (n: string) =>
        (window as unknown as { received: Received }).received.data.find((d) => d.channel === 'data' && d.from === n),
      poll,
      from.name,
    );
    assert.deepEqual((await got.jsonValue()) as unknown, { from: from.name, channel: 'data', data: payload });
  }
}

/** Sends 1 MiB of random bytes from `from` to everyone; each of `to` receives it byte-identical. */
async function sendFile(from: Participant, to: Participant[]): Promise<void> {
  const name = `from-${from.name}.bin`;
  const sent = await from.page.evaluate(async (fileName: string) => {
    const bytes = new Uint8Array(1024 * 1024);
    for (let at = 0; at < bytes.length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const call = document.querySelector('rtc-call') as unknown as {
      sendFile(file: Blob, o: object): { done: Promise<void> } | undefined;
    };
    const transfer = call.sendFile(new Blob([bytes]), { name: fileName });
    if (!transfer) throw new Error('sendFile returned nothing');
    try {
      await transfer.done;
    } catch (error) {
      return { error: String(error) };
    }
    return { sha256: [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('') };
  }, name);
  assert.equal(sent.error, undefined, `${from.name}'s file failed: ${sent.error}`);
  for (const { page, name: receiver } of to) {
    const got = await page.waitForFunction(
      (n: string) => (window as unknown as { received: Received }).received.files.find((f) => f.name === n),
      poll,
      name,
    );
    assert.deepEqual(
      await got.jsonValue(),
      { from: from.name, name, size: 1024 * 1024, sha256: sent.sha256 },
      `${receiver} got ${name} intact`,
    );
  }
}

async function leave(participants: Participant[]): Promise<void> {
  for (const { browser } of participants) await browser.close().catch(() => {});
}

const others = (all: Participant[], one: Participant): Participant[] => all.filter((p) => p !== one);

for (const [first, second] of [
  ['chromium', 'firefox'],
  ['firefox', 'chromium'],
  ['firefox', 'firefox'],
] as const) {
  describe(`#${first} joins, then ${second}`, () => {
    const room = `xb-${first}-${second}-${process.pid}`;
    let a: Participant;
    let b: Participant;
    before(async () => {
      a = await join(first, `A-${first}`, room);
      await a.page.waitForFunction(() => document.querySelector('rtc-call')?.getAttribute('state') === 'waiting', poll);
      b = await join(second, `B-${second}`, room);
    });
    after(() => leave([a, b]));

    it('connects: each side is in-call with one remote tile', async () => {
      await remoteTiles(a.page, 1);
      await remoteTiles(b.page, 1);
    });
    it('decodes the other side’s video, frames advancing, both ways', async () => {
      await videoAdvances(a.page, 1);
      await videoAdvances(b.page, 1);
    });
    it('carries the other side’s audio, both ways', async () => {
      await audioFlows(a.page, 1);
      await audioFlows(b.page, 1);
    });
    it('delivers chat both ways, shown in <rtc-chat>', async () => {
      await chat(a, [b]);
      await chat(b, [a]);
    });
    it('delivers app data both ways, as sent', async () => {
      await appData(a, [b]);
      await appData(b, [a]);
    });
    it(`sends a 1 MiB file from the first joiner (${first}) to the second`, () => sendFile(a, [b]));
    it(`sends a 1 MiB file from the second joiner (${second}) to the first`, () => sendFile(b, [a]));
  });
}

describe('#mesh of three: chromium, firefox, chromium', () => {
  const room = `xb-mesh-${process.pid}`;
  const all: Participant[] = [];
  before(async () => {
    all.push(await join('chromium', 'M1-chromium', room));
    all.push(await join('firefox', 'M2-firefox', room));
    all.push(await join('chromium', 'M3-chromium', room));
  });
  after(() => leave(all));

  it('everyone sees everyone: two remote tiles each, frames advancing', async () => {
    for (const { page } of all) await remoteTiles(page, 2);
    for (const { page } of all) await videoAdvances(page, 2);
  });
  it('everyone hears everyone', async () => {
    for (const { page } of all) await audioFlows(page, 2);
  });
  it('chat from each reaches the two others', async () => {
    for (const one of all) await chat(one, others(all, one));
  });
  it('the last joiner’s 1 MiB file reaches the first (and the other)', () => sendFile(all[2]!, others(all, all[2]!)));
});
