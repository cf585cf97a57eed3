// A relay that cannot be reached, or refuses: <rtc-call> says what happened within seconds, counts down to the
// next attempt with a Retry button, and gives up after its join-retries.
import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import type { RtcCall } from '../../src/components/index.js';
import type { RtcErrorEvent } from '../../src/events/index.js';
import { closedPortUrl, refusingRelay, relayUrl, uniqueRoom } from './commands.js';
import { inside } from './fixtures.js';

afterEach(() => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
});

/** A call with neither camera nor microphone on `server`, joining at once. */
const callOn = (server: string, attributes: { token?: string; retries?: string } = {}): Promise<RtcCall> =>
  fixture<RtcCall>(html`
    <rtc-call
      room=${uniqueRoom('relay')}
      server=${server}
      token=${attributes.token ?? ''}
      join-retries=${attributes.retries ?? ''}
      name="Ada"
      no-audio
      no-video
      autojoin
    ></rtc-call>
  `);

/** What the status line says, and whether its Retry button shows. */
const status = (call: RtcCall): { text: string; retry: boolean } => ({
  text: inside(call, '[part="status"] span').textContent?.trim() ?? '',
  retry: !inside<HTMLButtonElement>(call, '[part="retry"]').hidden,
});

/**
 * Joins `server` and resolves with the first `rtc-error`, failing if it takes more than a few seconds. The
 * listener is in place before the element exists, so nothing is missed.
 */
async function firstError(server: string, attributes?: { token?: string; retries?: string }) {
  const started = performance.now();
  const error = new Promise<RtcErrorEvent>((resolve) =>
    document.addEventListener('rtc-error', (event) => resolve(event), { once: true }),
  );
  const call = await callOn(server, attributes);
  const event = await error;
  expect(performance.now() - started, 'ms to the error').to.be.below(5000);
  return { call, event };
}

describe('a relay that cannot be reached or refuses', () => {
  it('a closed port: relay-unreachable within seconds, a countdown, and a Retry button that retries now', async () => {
    const server = await closedPortUrl();
    const { call, event } = await firstError(server);
    expect(event.code).to.equal('relay-unreachable');
    expect(event.message).to.equal(
      `Can't reach the relay at ${server}: nothing answered. Check the server address and that the relay is running.`,
    );
    await waitUntil(() => call.getAttribute('state') === 'retrying', 'state attribute', { timeout: 5000 });
    expect(call.matches(':state(retrying)')).to.equal(true);
    expect(inside(call, '[part="error"]').textContent).to.include(event.message);
    // The backoff grows: wait for a delay long enough to read, then see it count down.
    await waitUntil(() => /: retrying in [3-5] s\.$/.test(status(call).text), 'a countdown of several seconds', {
      timeout: 20_000,
      interval: 20,
    });
    expect(status(call).retry, 'a Retry button').to.equal(true);
    expect(status(call).text.startsWith(`Can't reach the relay at ${server}: retrying in `)).to.equal(true);
    const shown = Number(status(call).text.match(/in (\d) s/)![1]);
    await waitUntil(() => Number(status(call).text.match(/in (\d) s/)?.[1] ?? 99) < shown, 'it counts down', {
      timeout: 2500,
    });
    await expect(call).to.be.accessible();

    // Retry: the next attempt comes now, not when the countdown ends.
    const relay = () => call.actor!.getSnapshot().context.relay!;
    const { attempt, retryAt } = relay();
    inside<HTMLButtonElement>(call, '[part="retry"]').click();
    await waitUntil(() => relay().attempt === attempt + 1, 'another attempt at once', { timeout: 1000 });
    expect(Date.now(), 'the attempt came before the countdown ended').to.be.below(retryAt!);
    expect(call.getAttribute('state')).to.equal('retrying');
  }).timeout(30_000);

  it('gives up after join-retries, with the reason; Retry then joins again', async () => {
    const server = await closedPortUrl();
    const call = await callOn(server, { retries: '2' });
    await waitUntil(() => call.getAttribute('state') === 'failed', 'failed', { timeout: 10_000 });
    expect(call.matches(':state(failed)')).to.equal(true);
    expect(status(call)).to.deep.equal({
      text: `Can't reach the relay at ${server}: gave up after 2 retries.`,
      retry: true,
    });
    expect(inside(call, '[part="error"]').textContent).to.include(`Can't reach the relay at ${server}`);
    inside<HTMLButtonElement>(call, '[part="retry"]').click();
    await waitUntil(() => call.getAttribute('state') !== 'failed', 'joining again', { timeout: 2000 });
    await waitUntil(() => call.getAttribute('state') === 'failed', 'and giving up again', { timeout: 10_000 });
  }).timeout(30_000);

  it('a wrong path: relay-not-found', async () => {
    const server = (await relayUrl()).replace('/signal', '/typo');
    const { call, event } = await firstError(server);
    expect(event.code).to.equal('relay-not-found');
    expect(event.message).to.equal(
      `The relay at ${server} has no signaling at that path. An rtc-relay answers at ${await relayUrl()}: use that address.`,
    );
    await waitUntil(() =>
      status(call).text.startsWith(`The relay at ${server} has no signaling at that path: retrying`),
    );
  });

  it('a relay that needs a token, and none given: relay-unauthorized (401); with one, it joins', async () => {
    const { url, token } = await refusingRelay('secret');
    const { call, event } = await firstError(url);
    expect(event.code).to.equal('relay-unauthorized');
    expect(event.message).to.match(/^The relay at .* needs a valid token \(401: This relay needs a valid token/);
    expect(event.message).to.include('token attribute');
    await waitUntil(() => call.getAttribute('state') === 'retrying');
    const good = await callOn(url, { token });
    await waitUntil(() => good.getAttribute('state') === 'waiting', 'admitted with the token', { timeout: 10_000 });
    expect(status(good).retry).to.equal(false);
  });

  it('a relay that does not admit this page’s origin: relay-origin-refused (403)', async () => {
    const { url } = await refusingRelay('origin');
    const { event } = await firstError(url);
    expect(event.code).to.equal('relay-origin-refused');
    expect(event.message).to.include(`does not accept pages from ${location.origin}`);
    expect(event.message).to.include('--allow-origin');
  });

  it('a relay that has too many connections from this address: relay-too-many-connections (429)', async () => {
    const { url } = await refusingRelay('one-per-ip');
    const held = new WebSocket(url);
    await oneEvent(held, 'open');
    try {
      const { event } = await firstError(url);
      expect(event.code).to.equal('relay-too-many-connections');
      expect(event.message).to.match(/too many connections from your address \(429: /);
    } finally {
      held.close();
    }
  });
});
