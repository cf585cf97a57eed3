// The statecharts of a live two-party call, checked as a reader sees them: no two state boxes overlap (unless one
// holds the other), no transition label overlaps a state box or another label, no edge crosses a state box it does
// not connect. Then navigation: zoom, pan, collapse, a state filtering the timeline, an event lighting its
// transition, and the charts following the slider of a replay.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/define.js';
import type { RtcCall } from '../../src/components/index.js';
import type { RtcInspector } from '../../src/components/inspector/inspector.js';
import { activeStates } from '../../src/components/inspector/layout.js';
import type { Trace } from '../../src/recorder/trace.js';
import { inspectedPair } from './fixtures.js';

const shadow = <T extends Element = Element>(host: Element, selector: string): T[] => [
  ...(host.shadowRoot?.querySelectorAll<T>(selector) ?? []),
];

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much two rectangles overlap along each axis (negative: apart). */
const overlap = (a: Rect, b: Rect): number =>
  Math.min(
    Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  );

const holds = (outer: Rect, inner: Rect): boolean =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

/** `a` is `b`, or one of `b`'s ancestors. */
const selfOrAncestor = (a: string, b: string): boolean => a === b || b.startsWith(`${a}.`);

/** Every problem a reader would see in a chart, in words. */
function problems(chart: Element): string[] {
  const found: string[] = [];
  const states = [...chart.querySelectorAll<SVGGElement>('g.state')].map((g) => ({
    id: g.dataset.stateId!,
    rect: g.querySelector<SVGRectElement>(':scope > rect')!.getBBox(),
  }));
  const edges = [...chart.querySelectorAll<SVGGElement>('g.edge')].map((g) => ({
    from: g.dataset.from!,
    to: g.dataset.to!,
    any: g.dataset.any === 'true',
    path: g.querySelector<SVGPathElement>('path')!,
    label: g.querySelector<SVGTextElement>('text.edge-label'),
    name: `${g.dataset.from} → ${g.dataset.to} (${g.querySelector('title')?.textContent?.split('\n')[0]})`,
  }));
  for (const [i, a] of states.entries())
    for (const b of states.slice(i + 1))
      if (!selfOrAncestor(a.id, b.id) && !selfOrAncestor(b.id, a.id) && overlap(a.rect, b.rect) > 0.5)
        found.push(`state ${a.id} overlaps state ${b.id}`);
  const labels = edges.filter((e) => e.label?.textContent?.trim()).map((e) => ({ ...e, box: e.label!.getBBox() }));
  for (const label of labels) {
    for (const state of states) {
      // The states that hold the edge: ancestors of both ends (the owner of a `∗` edge holds its target).
      const holder =
        (label.any
          ? selfOrAncestor(state.id, label.from)
          : state.id !== label.from && selfOrAncestor(state.id, label.from)) &&
        state.id !== label.to &&
        selfOrAncestor(state.id, label.to);
      if (holder && holds(state.rect, label.box)) continue;
      if (overlap(state.rect, label.box) > 0.5) found.push(`label of ${label.name} overlaps state ${state.id}`);
    }
  }
  for (const [i, a] of labels.entries())
    for (const b of labels.slice(i + 1))
      if (overlap(a.box, b.box) > 0.5) found.push(`label of ${a.name} overlaps label of ${b.name}`);
  for (const edge of edges) {
    const length = edge.path.getTotalLength();
    const points: DOMPoint[] = [];
    for (let at = 3; at < length - 3; at += 2) points.push(edge.path.getPointAtLength(at));
    for (const state of states) {
      // An edge may run inside the states that hold it, and leaves and enters its own ends.
      if (selfOrAncestor(state.id, edge.from) || selfOrAncestor(state.id, edge.to)) continue;
      const r = state.rect;
      const inside = points.find(
        (p) => p.x > r.x + 1 && p.x < r.x + r.width - 1 && p.y > r.y + 1 && p.y < r.y + r.height - 1,
      );
      if (inside)
        found.push(
          `edge ${edge.name} passes through state ${state.id} at ${inside.x.toFixed(0)},${inside.y.toFixed(0)}`,
        );
    }
  }
  return found;
}

function chartOf(inspector: RtcInspector, machine: string): Element | undefined {
  return shadow(inspector, '[part~="chart"]').find((c) => c.getAttribute('data-machine') === machine);
}

/** Clicks the middle of `element` with the real mouse. */
async function click(element: Element): Promise<void> {
  element.scrollIntoView({ block: 'center', inline: 'center' });
  const { x, y, width, height } = element.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(x + width / 2), Math.round(y + height / 2)] });
}

describe('<rtc-inspector> charts', () => {
  let alice: RtcCall;
  let bob: RtcCall;
  let inspector: RtcInspector;
  let root: HTMLElement;

  before(async () => {
    ({ alice, bob, inspector, root } = await inspectedPair('charts', 200));
    await waitUntil(
      () => chartOf(inspector, 'peer')?.querySelector('g.state.active[data-state-id="peer.connected"]'),
      'the peer chart lights connected',
      { timeout: 15_000 },
    );
  });

  after(() => {
    alice.leave();
    bob.leave();
    root.remove();
  });

  it('draws every machine of the call with no overlapping boxes, labels or edges', async () => {
    await inspector.updateComplete;
    const machines = shadow(inspector, '[part~="chart"]').map((c) => c.getAttribute('data-machine'));
    for (const machine of ['call', 'signaling', 'media', 'peer', 'ice', 'quality'])
      expect(machines).to.include(machine);
    const report: string[] = [];
    for (const chart of shadow(inspector, '[part~="chart"]'))
      for (const problem of problems(chart)) report.push(`${chart.getAttribute('data-machine')}: ${problem}`);
    expect(report, report.join('\n')).to.deep.equal([]);
    // The checks see something: labels and edges are drawn.
    expect(chartOf(inspector, 'peer')!.querySelectorAll('text.edge-label').length).to.be.greaterThan(5);
  });

  it('zooms and pans a chart', async () => {
    const chart = chartOf(inspector, 'call')!;
    const svgOf = (): SVGSVGElement => chartOf(inspector, 'call')!.querySelector('svg')!;
    const before = svgOf().viewBox.baseVal;
    const [x0, w0] = [before.x, before.width];
    await click(chart.querySelector('.zoom-in')!);
    await inspector.updateComplete;
    expect(svgOf().viewBox.baseVal.width).to.be.closeTo(w0 / 1.25, 0.5);
    expect(chart.querySelector('.zoom-reset')!.textContent!.trim()).to.equal('125%');
    // Drag to the left: the view moves right.
    const { x, y, width, height } = svgOf().getBoundingClientRect();
    const start: [number, number] = [Math.round(x + width / 2), Math.round(y + height / 2)];
    await sendMouse({ type: 'move', position: start });
    await sendMouse({ type: 'down' });
    await sendMouse({ type: 'move', position: [start[0] - 60, start[1]] });
    await sendMouse({ type: 'up' });
    await inspector.updateComplete;
    const after = svgOf().viewBox.baseVal;
    expect(after.x).to.be.greaterThan(x0 + (w0 - w0 / 1.25) / 2 + 20);
    await click(chart.querySelector('.zoom-reset')!);
    await inspector.updateComplete;
    expect(svgOf().viewBox.baseVal.width).to.be.closeTo(w0, 0.5);
    expect(svgOf().viewBox.baseVal.x).to.be.closeTo(x0, 0.5);
    // From the keyboard: + zooms, arrows pan, 0 shows the whole chart again.
    svgOf().focus();
    await sendKeys({ press: '+' });
    await inspector.updateComplete;
    expect(svgOf().viewBox.baseVal.width).to.be.closeTo(w0 / 1.25, 0.5);
    const zoomedX = svgOf().viewBox.baseVal.x;
    svgOf().focus();
    await sendKeys({ press: 'ArrowRight' });
    await inspector.updateComplete;
    expect(svgOf().viewBox.baseVal.x).to.be.greaterThan(zoomedX);
    svgOf().focus();
    await sendKeys({ press: '0' });
    await inspector.updateComplete;
    expect(svgOf().viewBox.baseVal.width).to.be.closeTo(w0, 0.5);
  });

  it('collapses a machine to its caption and expands it again', async () => {
    const toggle = chartOf(inspector, 'media')!.querySelector<HTMLButtonElement>('.collapse')!;
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    await click(toggle);
    await inspector.updateComplete;
    expect(chartOf(inspector, 'media')!.querySelector('svg')).to.equal(null);
    expect(chartOf(inspector, 'media')!.querySelector('.collapse')!.getAttribute('aria-expanded')).to.equal('false');
    // Stays collapsed while the call goes on and the inspector redraws.
    inspector.requestUpdate();
    await inspector.updateComplete;
    expect(chartOf(inspector, 'media')!.querySelector('svg')).to.equal(null);
    await click(chartOf(inspector, 'media')!.querySelector('.collapse')!);
    await inspector.updateComplete;
    expect(chartOf(inspector, 'media')!.querySelector('svg')).not.to.equal(null);
  });

  it('filters the timeline to the events that entered or left a clicked state', async () => {
    const peer = chartOf(inspector, 'peer')!;
    const actor = peer.getAttribute('data-actor')!;
    await click(peer.querySelector('g.state[data-state-id="peer.connected"] > rect')!);
    await inspector.updateComplete;
    const rows = shadow<HTMLTableRowElement>(inspector, '[part~="timeline"] tbody tr');
    expect(rows.length).to.be.greaterThan(0);
    const trace = inspector.exportTrace()!;
    const graph = trace.machines.peer!;
    for (const row of rows) {
      const event = trace.events.find((e) => e.seq === Number(row.dataset.seq))!;
      expect(event.target).to.equal(actor);
      const was = activeStates(graph, event.before).has('peer.connected');
      const is = activeStates(graph, event.after).has('peer.connected');
      expect(was !== is || event.transitions?.some((k) => k.startsWith('peer.connected|')), event.type).to.equal(true);
    }
    // The one that entered it is there.
    expect(rows.some((r) => r.querySelector('.after')?.textContent === 'connected')).to.equal(true);
    expect(shadow(inspector, '.state-filter')[0]!.textContent).to.contain('peer.connected');
    await click(shadow(inspector, '.state-filter button')[0]!);
    await inspector.updateComplete;
    expect(shadow(inspector, '[part~="timeline"] tbody tr').length).to.be.greaterThan(rows.length);
  });

  it('highlights the transition a clicked timeline event took', async () => {
    inspector.textFilter = 'pc.connection';
    await inspector.updateComplete;
    const row = shadow<HTMLTableRowElement>(inspector, '[part~="timeline"] tbody tr.moved').find(
      (r) => r.querySelector('.after')?.textContent === 'connected',
    )!;
    expect(row, 'pc.connection took peer to connected').not.to.equal(undefined);
    const seq = Number(row.dataset.seq);
    await click(row.querySelector('button.type')!);
    await inspector.updateComplete;
    const trace = inspector.exportTrace()!;
    const event = trace.events.find((e) => e.seq === seq)!;
    const picked = [...chartOf(inspector, 'peer')!.querySelectorAll<SVGGElement>('g.edge.picked')];
    expect(picked.length).to.equal(1);
    expect(picked[0]!.dataset.keys!.split(' ')).to.include.members(event.transitions!);
    expect(picked[0]!.dataset.to).to.equal('peer.connected');
    expect(chartOf(inspector, 'peer')!.querySelector('g.state.picked')!.getAttribute('data-state-id')).to.equal(
      'peer.connected',
    );
    // The charts show that instant: the cursor moved to the event.
    expect(inspector.time).to.equal(event.time);
    inspector.textFilter = '';
    inspector.nav = {};
    inspector.follow();
  });

  it('follows the slider when replaying a trace', async () => {
    const trace: Trace = JSON.parse(JSON.stringify(alice.provided!.exportTrace()));
    const replay = await fixture<RtcInspector>(
      html`<rtc-inspector style="--rtc-inspector-height: 700px"></rtc-inspector>`,
    );
    replay.trace = trace;
    await waitUntil(() => shadow(replay, 'input[type="range"]').length, 'the replay shows');
    const peerActor = trace.actors.find((a) => a.machine === 'peer')!;
    const events = trace.events.filter((e) => e.target === peerActor.id && e.transitions?.length);
    const slider = shadow<HTMLInputElement>(replay, 'input[type="range"]')[0]!;
    for (const event of events) {
      slider.value = String(event.time);
      slider.dispatchEvent(new Event('input'));
      await replay.updateComplete;
      const chart = shadow(replay, '[part~="chart"]').find((c) => c.getAttribute('data-actor') === peerActor.id)!;
      const lit = [...chart.querySelectorAll('g.state.active')].map((g) => g.getAttribute('data-state-id')).sort();
      // At a time the slider can point to, the chart shows the state after the last transition at or before it:
      // two events recorded in the same instant cannot be told apart by time.
      const last = events.filter((e) => e.time <= event.time).at(-1)!;
      const expected = [...activeStates(trace.machines.peer!, last.after)].filter((id) => id !== 'peer').sort();
      expect(lit, `after ${event.type}`).to.deep.equal(expected);
    }
    expect(events.length).to.be.greaterThan(1);
  });
});
