/**
 * The network suite's fixture: a relay in namespace a, one Chromium in each namespace, and a call between them.
 *
 * @module
 */
import type { Browser, Page } from 'puppeteer-core';
import { launchInNetns, openCallPage, waitForVideo } from './browser.js';
import { createLink, type Endpoint, type Link } from './netns.js';
import { startRelayInNetns, type NetnsRelay } from './relay.js';

/** One side of a {@link NetworkCall}: its namespace end, its Chromium and its call page. */
export interface Side {
  readonly end: Endpoint;
  readonly browser: Browser;
  readonly page: Page;
}

/** A live call between the two namespaces of a {@link Link}, from {@link startNetworkCall}. */
export interface NetworkCall {
  readonly link: Link;
  readonly relay: NetnsRelay;
  /** Namespace a, which also runs the relay (at 10.77.0.1). */
  readonly a: Side;
  /** Namespace b (10.77.0.2): everything it sends crosses the veth, signaling included. */
  readonly b: Side;
  /** Closes both browsers, stops the relay and deletes the namespaces, whatever fails on the way. */
  close(): Promise<void>;
}

/** The default page: demo/basic-call.js sending noise, once it decodes the other side's video. */
async function openBasicCall(browser: Browser, relay: NetnsRelay, options: { room: string; name: string }) {
  const page = await openCallPage(browser, relay, options);
  await waitForVideo(page);
  return page;
}

/**
 * Creates the link, starts the relay in a, launches a Chromium in each namespace, puts both call pages in one room,
 * and resolves once each side decodes the other's video. If any step fails, what was started is torn down again.
 *
 * @example
 * const net = await startNetworkCall();
 * try {
 *   await shape(net.b.end.ns, net.b.end.dev, { rateKbit: 300 });
 * } finally {
 *   await net.close();
 * }
 */
export async function startNetworkCall({
  room = 'network',
  open = openBasicCall,
}: {
  room?: string;
  /** Opens one side's page and resolves once it is in the call; the default runs test/network/call.html. */
  open?: (browser: Browser, relay: NetnsRelay, options: { room: string; name: 'a' | 'b' }) => Promise<Page>;
} = {}): Promise<NetworkCall> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    // Last started, first stopped: processes inside a namespace must be gone before it is deleted.
    for (const step of cleanup.splice(0).reverse()) await step().catch((error: unknown) => errors.push(error));
    if (errors.length) throw new AggregateError(errors, 'network call teardown failed');
  };
  try {
    const link = await createLink();
    cleanup.push(() => link.destroy());
    const relay = await startRelayInNetns(link.a);
    cleanup.push(() => relay.stop());
    const launched = await Promise.allSettled(
      [link.a, link.b].map((end) => launchInNetns(end.ns, { secureOrigins: [relay.origin] })),
    );
    for (const result of launched) if (result.status === 'fulfilled') cleanup.push(() => result.value.close());
    for (const result of launched) if (result.status === 'rejected') throw result.reason;
    const [browserA, browserB] = launched.map((result) => (result as PromiseFulfilledResult<Browser>).value) as [
      Browser,
      Browser,
    ];
    const [pageA, pageB] = await Promise.all([
      open(browserA, relay, { room, name: 'a' }),
      open(browserB, relay, { room, name: 'b' }),
    ]);
    return {
      link,
      relay,
      a: { end: link.a, browser: browserA, page: pageA },
      b: { end: link.b, browser: browserB, page: pageB },
      close,
    };
  } catch (error) {
    await close().catch((teardown: unknown) => console.error(teardown));
    throw error;
  }
}
