// A trace of a call that failed says so in the inspector's timeline, with the cause, without reading JSON: one test
// per kind of failure. Each makes the failure happen in a real call, exports the trace as a user would, and opens
// the file in a fresh inspector.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import type { RtcInspector } from '../../src/components/inspector/inspector.js';
import { createCall, type Call, type CreateCallOptions } from '../../src/index.js';
import { writeFile } from '@web/test-runner-commands';
import { cdp, relayUrl, uniqueRoom } from './commands.js';

const calls: Call[] = [];
afterEach(() => {
  for (const call of calls.splice(0)) call.leave();
});

function join(options: Partial<CreateCallOptions> & { server: string; room: string }, name: string): Call {
  const call = createCall({ meta: { name }, ...options });
  calls.push(call);
  call.join();
  return call;
}

const nextError = (call: Call): Promise<{ code: string; message: string }> =>
  new Promise((resolve) => call.on('error', resolve));

/** Opens the exported trace, as a file, in a fresh inspector; returns the text of its failures and timeline. */
async function openTrace(call: Call): Promise<{ inspector: RtcInspector; failures: string[]; timeline: string }> {
  const json = JSON.stringify(call.exportTrace());
  const inspector = await fixture<RtcInspector>(
    html`<rtc-inspector style="--rtc-inspector-height: 700px"></rtc-inspector>`,
  );
  await waitUntil(() => inspector.shadowRoot?.querySelector('input[type="file"]'), 'the inspector loaded');
  expect(await inspector.open(new File([json], 'failed-call.json', { type: 'application/json' }))).to.equal(true);
  await inspector.updateComplete;
  const root = inspector.shadowRoot!;
  return {
    inspector,
    failures: [...root.querySelectorAll('.failures li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim()),
    timeline: [...root.querySelectorAll('[part~="timeline"] tr.failure .cause')]
      .map((c) => c.textContent!.replace(/\s+/g, ' ').trim())
      .join('\n'),
  };
}

describe('<rtc-inspector> traces of failed calls', () => {
  it('shows a denied camera and its cause', async () => {
    const original = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied by the user', 'NotAllowedError'));
    let call: Call;
    try {
      call = join({ server: await relayUrl(), room: uniqueRoom('denied') }, 'Dee');
      expect((await nextError(call)).code).to.equal('media-NotAllowedError');
    } finally {
      navigator.mediaDevices.getUserMedia = original;
    }
    const { failures, timeline } = await openTrace(call);
    expect(
      failures.some((f) => /Camera or microphone/.test(f) && /NotAllowedError: Permission denied by the user/.test(f)),
      failures.join('\n'),
    ).to.equal(true);
    expect(timeline).to.contain('NotAllowedError: Permission denied by the user');
  });

  it('shows a relay that cannot be reached and why', async () => {
    // Nothing listens on the discard port: every connection is refused.
    const call = join(
      {
        server: 'ws://127.0.0.1:9/signal',
        room: uniqueRoom('unreachable'),
        signaling: { reconnect: { maxRetries: 1, baseDelay: 10, maxDelay: 20 } },
      },
      'Ray',
    );
    await waitUntil(() => call.state === 'failed', 'the call gives up', { timeout: 15_000 });
    const reason = call.actor.getSnapshot().context.error!;
    const { failures, timeline } = await openTrace(call);
    const relay = failures.find((f) => f.includes('Relay unreachable'));
    expect(relay, failures.join('\n')).to.be.a('string');
    expect(relay).to.contain(reason.message);
    expect(timeline).to.contain(reason.message);
  });

  it('shows an ICE failure and its cause', async () => {
    // The network drops every candidate, so ICE finds no pair that works.
    const original = RTCPeerConnection.prototype.addIceCandidate;
    RTCPeerConnection.prototype.addIceCandidate = function () {
      return Promise.resolve();
    } as typeof original;
    let alice: Call;
    try {
      const room = uniqueRoom('ice-failed');
      const server = await relayUrl();
      const options = { server, room, peer: { connectTimeout: 1000, restartTimeout: 1000, maxRestarts: 0 } };
      alice = join(options, 'Alice');
      const failed = new Promise<{ code: string; message: string }>((resolve) =>
        alice.on('error', (e) => e.code === 'peer-failed' && resolve(e)),
      );
      join(options, 'Bob');
      await failed;
    } finally {
      RTCPeerConnection.prototype.addIceCandidate = original;
    }
    const { inspector, failures, timeline } = await openTrace(alice);
    const peer = failures.find((f) => f.includes('Peer connection failed'));
    expect(peer, failures.join('\n')).to.be.a('string');
    // The cause the peer gave, in words.
    expect(peer).to.match(/ICE|connect/i);
    expect(timeline).to.match(/Peer connection failed/);
    // For the screenshot set: a failed call's trace, as the developer sees it.
    const { x, y, width, height } = inspector.getBoundingClientRect();
    const { data } = await cdp<{ data: string }>('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: true,
      clip: { x: x + scrollX, y: y + scrollY, width, height, scale: 1 },
    });
    await writeFile({ path: '../screenshots/inspector-ice-failed.png', content: data, encoding: 'base64' });
  });
});
