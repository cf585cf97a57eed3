import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startRelay, TestClient } from './helpers.js';

/** The value of one sample in Prometheus text, e.g. `metric(text, 'rtc_relay_errors_total{code="room-full"}')`. */
function metric(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('#metrics', () => {
  it('serves Prometheus text: connections, rooms, peers, messages by type, errors by code, rate-limit hits', async () => {
    const { relay, url, http } = await startRelay({ rateLimit: 5, rateBurst: 5, maxPeersPerRoom: 2 });
    // A second relay in the same process keeps its own figures.
    const other = await startRelay();
    const [alice] = await TestClient.join(url, 'm1');
    const [bob] = await TestClient.join(url, 'm1');
    await alice.expect('peer-joined');
    const carol = await TestClient.connect(url);
    carol.send({ type: 'join', room: 'm1' });
    assert.equal((await carol.expect('error')).code, 'room-full');
    bob.send({ type: 'signal', to: alice.id, data: 1 });
    await alice.expect('signal');
    bob.send({ type: 'nope' });
    await bob.expect('error');
    // Carol's join took one of her 5 tokens: 4 pings get through, the fifth is dropped.
    for (let i = 0; i < 5; i++) carol.send({ type: 'ping' });
    for (let i = 0; i < 4; i++) await carol.expect('pong');
    assert.equal((await carol.expect('error')).code, 'rate-limited');

    const response = await fetch(`${http}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.equal(metric(text, 'rtc_relay_connections'), 3);
    assert.equal(metric(text, 'rtc_relay_rooms'), 1);
    assert.equal(metric(text, 'rtc_relay_peers'), 2);
    assert.equal(metric(text, 'rtc_relay_held_sessions'), 0);
    assert.equal(metric(text, 'rtc_relay_messages_in_total{type="join"}'), 3);
    assert.equal(metric(text, 'rtc_relay_messages_in_total{type="signal"}'), 1);
    assert.equal(metric(text, 'rtc_relay_messages_in_total{type="invalid"}'), 1);
    assert.equal(metric(text, 'rtc_relay_messages_in_total{type="ping"}'), 4);
    assert.equal(metric(text, 'rtc_relay_messages_out_total{type="welcome"}'), 2);
    assert.equal(metric(text, 'rtc_relay_messages_out_total{type="peer-joined"}'), 1);
    assert.equal(metric(text, 'rtc_relay_messages_out_total{type="signal"}'), 1);
    assert.equal(metric(text, 'rtc_relay_messages_out_total{type="pong"}'), 4);
    assert.equal(metric(text, 'rtc_relay_errors_total{code="room-full"}'), 1);
    assert.equal(metric(text, 'rtc_relay_errors_total{code="unknown-type"}'), 1);
    assert.equal(metric(text, 'rtc_relay_errors_total{code="rate-limited"}'), 1);
    assert.equal(metric(text, 'rtc_relay_rate_limited_total'), 1);
    assert.equal(metric(text, 'rtc_relay_resumes_total'), 0);
    assert.match(text, /# HELP rtc_relay_auth_failures_total/);

    const otherText = await (await fetch(`${other.http}/metrics`)).text();
    assert.equal(metric(otherText, 'rtc_relay_connections'), 0);
    assert.equal(metric(otherText, 'rtc_relay_messages_in_total{type="join"}'), undefined);
    for (const c of [alice, bob, carol]) c.close();
    await relay.close();
    await other.relay.close();
  });
});
