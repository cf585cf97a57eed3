// Fixtures shared by the element tests: two calls in one room, and lookups into their shadow roots.
import { fixture, html, waitUntil } from '@open-wc/testing';
import { setViewport } from '@web/test-runner-commands';
import { render } from 'lit';
import type { RtcCall, RtcInspector, RtcVideo } from '../../src/components/index.js';
import { relayUrl, uniqueRoom } from './commands.js';

/** A shadow-DOM lookup that fails loudly. */
export function inside<T extends Element>(host: Element, selector: string): T {
  const found = host.shadowRoot?.querySelector<T>(selector);
  if (!found) throw new Error(`${host.localName} has no ${selector}`);
  return found;
}

/** The default tiles an `<rtc-call>` renders. */
export const tiles = (call: RtcCall): RtcVideo[] => [
  ...(call.shadowRoot?.querySelectorAll<RtcVideo>('rtc-video') ?? []),
];

/** Two calls side by side in one page, in the same room, both `in-call`. */
export async function pair(): Promise<{ alice: RtcCall; bob: RtcCall; root: HTMLElement }> {
  const room = uniqueRoom('el');
  const server = await relayUrl();
  const root = await fixture<HTMLElement>(html`
    <div style="display: grid; grid-template-columns: 1fr 1fr; width: 1200px">
      <rtc-call id="alice" room=${room} server=${server} name="Alice" autojoin></rtc-call>
      <rtc-call id="bob" room=${room} server=${server} name="Bob" autojoin></rtc-call>
    </div>
  `);
  const alice = root.querySelector<RtcCall>('#alice')!;
  const bob = root.querySelector<RtcCall>('#bob')!;
  await waitUntil(() => alice.state === 'in-call' && bob.state === 'in-call', 'both in call', { timeout: 15_000 });
  return { alice, bob, root };
}

/** Waits until the remote tile of `call` plays decoded video, and returns its `<video>`. */
export async function remotePlays(call: RtcCall): Promise<HTMLVideoElement> {
  await waitUntil(() => tiles(call).length === 2, 'a remote tile', { timeout: 10_000 });
  const video = inside<HTMLVideoElement>(tiles(call)[1]!, 'video');
  await waitUntil(() => video.videoWidth > 0 && video.currentTime > 0, 'remote video plays', { timeout: 15_000 });
  return video;
}

/**
 * An `<rtc-inspector>` on Alice's call, above Alice and Bob in one room, both `in-call`, in a 1440×1000 viewport.
 * Not a fixture: open-wc removes fixtures after each test, and the inspector tests look at one call throughout.
 */
export async function inspectedPair(
  name: string,
  callsHeight: number,
): Promise<{ alice: RtcCall; bob: RtcCall; inspector: RtcInspector; root: HTMLElement }> {
  await setViewport({ width: 1440, height: 1000 });
  const server = await relayUrl();
  const room = uniqueRoom(name);
  const root = document.createElement('div');
  root.style.width = '1400px';
  render(
    html`
      <rtc-inspector call="alice" style="--rtc-inspector-height: 900px"></rtc-inspector>
      <div style="display: grid; grid-template-columns: 1fr 1fr; height: ${callsHeight}px; overflow: hidden">
        <rtc-call id="alice" room=${room} server=${server} name="Alice" autojoin></rtc-call>
        <rtc-call id="bob" room=${room} server=${server} name="Bob" autojoin></rtc-call>
      </div>
    `,
    root,
  );
  document.body.prepend(root);
  const alice = root.querySelector<RtcCall>('#alice')!;
  const bob = root.querySelector<RtcCall>('#bob')!;
  const inspector = root.querySelector<RtcInspector>('rtc-inspector')!;
  await waitUntil(() => alice.state === 'in-call' && bob.state === 'in-call', 'both in call', { timeout: 15_000 });
  return { alice, bob, inspector, root };
}
