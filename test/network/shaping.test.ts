import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastSample, pageNow, waitForBitrate } from './browser.js';
import { startNetworkCall, type NetworkCall } from './call.js';
import { netnsSkipReason, qdisc, shape, unshape } from './netns.js';

const skip = netnsSkipReason();
if (skip) console.log(`network suite skipped: ${skip}`);

/** b's egress while shaped, kbit/s. */
const SHAPED_KBIT = 300;
/** Video above this while shaped would mean the limit did not hold (the link also carries audio and headers). */
const SHAPED_MAX_KBPS = 350;
/** Video the free link carries, before shaping and after: the noise source fills it to about 1.3 Mbit/s. */
const FREE_MIN_KBPS = 600;
/**
 * Once lifted, the congestion controller climbs back over several seconds: well above the shaped ceiling is proof
 * enough, and leaves room on a loaded machine.
 */
const LIFTED_MIN_KBPS = 500;

const kbps = (value: number | undefined): string => (value === undefined ? 'unknown' : `${Math.round(value)} kbit/s`);

describe('#shaping', { skip, timeout: 90_000 }, () => {
  let net: NetworkCall;

  before(async () => {
    net = await startNetworkCall({ room: 'shaping' });
  });
  after(async () => {
    await net?.close();
  });

  it('rate-limits b’s video on a live call with tc tbf, and lets it climb back once lifted', async () => {
    const { a, b } = net;

    const free = await waitForBitrate(b.page, 'sent', { above: FREE_MIN_KBPS });
    console.log(`free link: b sends ${kbps(free)} of video`);

    // Each wait measures only samples taken after the change.
    const shapedAt = { a: await pageNow(a.page), b: await pageNow(b.page) };
    await shape(b.end.ns, b.end.dev, { rateKbit: SHAPED_KBIT });
    assert.match(await qdisc(b.end.ns, b.end.dev), new RegExp(`tbf .*rate ${SHAPED_KBIT}Kbit`));
    const shapedReceived = await waitForBitrate(a.page, 'received', { since: shapedAt.a, below: SHAPED_MAX_KBPS });
    // b's encoder follows its congestion controller down: this is new media, retransmissions apart.
    const shapedSent = await waitForBitrate(b.page, 'sent', { since: shapedAt.b, below: SHAPED_MAX_KBPS });
    const estimate = (await lastSample(b.page))?.availableOutgoingBitrate;
    console.log(
      `shaped to ${SHAPED_KBIT} kbit/s: a receives ${kbps(shapedReceived)}, b sends ${kbps(shapedSent)}, ` +
        `b's estimate ${kbps(estimate && estimate / 1000)}\n${(await qdisc(b.end.ns, b.end.dev)).trim()}`,
    );

    const liftedAt = { a: await pageNow(a.page), b: await pageNow(b.page) };
    await unshape(b.end.ns, b.end.dev);
    assert.doesNotMatch(await qdisc(b.end.ns, b.end.dev), /tbf/);
    const liftedSent = await waitForBitrate(b.page, 'sent', { since: liftedAt.b, above: LIFTED_MIN_KBPS });
    const liftedReceived = await waitForBitrate(a.page, 'received', { since: liftedAt.a, above: LIFTED_MIN_KBPS });
    console.log(`lifted: b sends ${kbps(liftedSent)}, a receives ${kbps(liftedReceived)}`);

    for (const side of [a, b]) assert.deepEqual(await side.page.evaluate(() => window.rtcq?.errors), []);
  });
});
