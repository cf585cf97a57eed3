import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { writeFile } from '@web/test-runner-commands';
import type { AnyActorRef } from 'xstate';
import '../../src/define.js';
import type { RtcCall } from '../../src/components/index.js';
import type { RtcInspector } from '../../src/components/inspector/inspector.js';
import type { RtcTraceOpenEvent } from '../../src/events/rtc-trace-open.js';
import type { Trace } from '../../src/recorder/trace.js';
import { cdp } from './commands.js';
import { inspectedPair } from './fixtures.js';

const shadow = <T extends Element = Element>(host: Element, selector: string): T[] => [
  ...(host.shadowRoot?.querySelectorAll<T>(selector) ?? []),
];

/** Every actor of a call's system, by the path the recorder gives it (`call/peer:…/ice`), with its snapshot. */
function liveActors(call: RtcCall): Map<string, AnyActorRef> {
  const found = new Map<string, AnyActorRef>();
  const walk = (ref: AnyActorRef, path: string): void => {
    found.set(path, ref);
    const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef> }).children ?? {};
    for (const child of Object.values(children)) if (child) walk(child, `${path}/${child.id}`);
  };
  walk(call.actor!, 'call');
  return found;
}

/** Ids of the states a machine actor is in, its root left out (as the charts draw it). */
function activeIds(ref: AnyActorRef): string[] {
  const nodes = (ref.getSnapshot() as { _nodes?: { id: string }[] })._nodes ?? [];
  return nodes
    .slice(1)
    .map((n) => n.id)
    .sort();
}

/** Ids of the states a chart highlights. */
function highlighted(chart: Element): string[] {
  return [...chart.querySelectorAll('g.state.active')].map((g) => g.getAttribute('data-state-id')!).sort();
}

function chartOf(inspector: RtcInspector, path: string): Element | undefined {
  return shadow(inspector, '[part~="chart"]').find((c) => c.getAttribute('data-actor-path') === path);
}

describe('<rtc-inspector>', () => {
  let alice: RtcCall;
  let bob: RtcCall;
  let inspector: RtcInspector;
  let peerPath = '';
  let root: HTMLElement;

  before(async () => {
    ({ alice, bob, inspector, root } = await inspectedPair('inspector', 240));
    const key = alice.peers[0]!.key;
    peerPath = `call/peer:${key}`;
  });

  after(() => {
    alice.leave();
    bob.leave();
    root.remove();
  });

  it('shows the peer actor reaching connected, its highlighted states matching its snapshot', async () => {
    const peer = liveActors(alice).get(peerPath)!;
    await waitUntil(() => (peer.getSnapshot() as { value: unknown }).value === 'connected', 'peer connected', {
      timeout: 15_000,
    });
    await waitUntil(
      () => chartOf(inspector, peerPath)?.querySelector('g.state.active[data-state-id="peer.connected"]'),
      'the chart lights peer.connected',
      { timeout: 5_000 },
    );
    await inspector.updateComplete;
    const chart = chartOf(inspector, peerPath)!;
    expect(highlighted(chart)).to.deep.equal(activeIds(peer));
    expect(chart.querySelector('figcaption .value')!.textContent).to.equal('connected');
    // Every running machine actor has a chart: call, signaling, media, the peer, its ICE and quality children.
    const paths = shadow(inspector, '[part~="chart"]').map((c) => c.getAttribute('data-actor-path'));
    for (const path of ['call', 'call/signaling', 'call/media', peerPath, `${peerPath}/ice`])
      expect(paths).to.include(path);
    for (const [path, ref] of liveActors(alice))
      if (paths.includes(path)) expect(highlighted(chartOf(inspector, path)!), path).to.deep.equal(activeIds(ref));
  });

  it('holds the offer/answer exchange in the timeline, SDP summarised', async () => {
    inspector.textFilter = 'signal';
    await inspector.updateComplete;
    const details = shadow(inspector, '[part~="timeline"] tbody tr .detail').map((d) => d.textContent ?? '');
    const offer = details.find((d) => d.startsWith('offer · '));
    const answer = details.find((d) => d.startsWith('answer · '));
    expect(offer, 'an offer').to.match(/m-lines: audio (opus|\S+).* · video (VP8|VP9|H264|AV1)/);
    expect(answer, 'an answer').to.match(/^answer · \d m-lines: audio/);
    const text = shadow(inspector, '[part~="timeline"]')[0]!.textContent!;
    expect(text).not.to.contain('v=0');
    expect(text).not.to.contain('a=candidate');
    inspector.textFilter = '';
  });

  it('exports a trace; opened in another inspector, its last instant shows the states the live call had', async () => {
    const live = new Map([...liveActors(alice)].map(([path, ref]) => [path, activeIds(ref)]));
    const trace = alice.provided!.exportTrace();
    const json = JSON.stringify(trace);
    expect(json).not.to.contain('v=0');
    expect(trace.format).to.equal('rtc-kit-trace');
    expect(trace.version).to.equal(1);
    expect(JSON.stringify(alice.provided!.exportTrace({ includeSdp: true }))).to.contain('v=0');

    const replay = await fixture<RtcInspector>(html`<rtc-inspector></rtc-inspector>`);
    await waitUntil(() => shadow(replay, 'input[type="file"]').length, 'the inspector loaded');
    const input = shadow<HTMLInputElement>(replay, 'input[type="file"]')[0]!;
    const files = new DataTransfer();
    files.items.add(new File([json], 'alice.json', { type: 'application/json' }));
    input.files = files.files;
    setTimeout(() => input.dispatchEvent(new Event('change')));
    const opened = await oneEvent<RtcTraceOpenEvent>(replay, 'rtc-trace-open');
    expect(opened.fileName).to.equal('alice.json');
    await replay.updateComplete;
    expect(replay.matches(':state(replay)')).to.equal(true);

    const replayed = (replay.trace as Trace).actors.filter((a) => a.machine && a.died === undefined);
    expect(replayed.map((a) => a.path)).to.include(peerPath);
    for (const actor of replayed) {
      const chart = chartOf(replay, actor.path);
      expect(chart, actor.path).not.to.equal(undefined);
      expect(highlighted(chart!), actor.path).to.deep.equal(live.get(actor.path));
    }

    // Back to the start: the peer did not exist yet.
    const slider = shadow<HTMLInputElement>(replay, 'input[type="range"]')[0]!;
    slider.value = slider.min;
    slider.dispatchEvent(new Event('input'));
    await replay.updateComplete;
    expect(chartOf(replay, peerPath)).to.equal(undefined);
    replay.remove();
  });

  it('is accessible', async () => {
    await inspector.updateComplete;
    await expect(inspector).to.be.accessible();
  });

  it('saves test/screenshots/inspector.png', async () => {
    inspector.scrollIntoView();
    await inspector.updateComplete;
    const { x, y, width, height } = inspector.getBoundingClientRect();
    const { data } = await cdp<{ data: string }>('Page.captureScreenshot', {
      format: 'png',
      captureBeyondViewport: true,
      clip: { x: x + scrollX, y: y + scrollY, width, height, scale: 1 },
    });
    await writeFile({ path: '../screenshots/inspector.png', content: data, encoding: 'base64' });
  });
});
