import { executeServerCommand } from '@web/test-runner-commands';

/** The WebSocket URL of the rtc-relay started for this test run. */
export function relayUrl(): Promise<string> {
  return executeServerCommand<string, undefined>('relay-url');
}

/** Closes the test relay: every socket drops, as when a relay process dies. */
export function stopRelay(): Promise<boolean> {
  return executeServerCommand<boolean, undefined>('relay-stop');
}

/** Starts the test relay again on the same port, with no memory of the rooms. */
export function startRelay(): Promise<string> {
  return executeServerCommand<string, undefined>('relay-start');
}

/**
 * Sends one Chrome DevTools Protocol command on this test's own page.
 *
 * @example
 * await cdp('Network.enable');
 * await cdp('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 37_500, uploadThroughput: 37_500, packetLoss: 5 });
 */
export function cdp<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
  return executeServerCommand<T, { method: string; params: Record<string, unknown> }>('cdp', { method, params });
}

/**
 * Whether this page's browser speaks the Chrome DevTools Protocol (Chromium: yes; Firefox: no). Tests that need
 * {@link cdp} check it and, without it, test what a user of that browser gets instead.
 */
export async function hasCdp(): Promise<boolean> {
  try {
    await cdp('Runtime.evaluate', { expression: '1' });
    return true;
  } catch (error) {
    if (/cdp needs Chromium/.test(String(error))) return false;
    throw error;
  }
}

/** A room name no other test uses. */
export function uniqueRoom(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * A relay that hands out TURN credentials for the test run's coturn, signed with `secret`: the right one
 * (`'right'`) or a wrong one (`'wrong'`), which coturn refuses. Starts coturn on first use.
 */
export function turnRelay(secret: 'right' | 'wrong'): Promise<{ url: string; turn: string }> {
  return executeServerCommand<{ url: string; turn: string }, { secret: string }>('turn-relay', { secret });
}

/** Two relay nodes sharing one redis-server (started on first use): their WebSocket URLs. */
export function redisRelays(): Promise<[string, string]> {
  return executeServerCommand<[string, string], undefined>('redis-relays');
}

/**
 * A relay that refuses the test page: `secret` needs a token (`token` is one that works), `origin` admits only
 * another origin, `one-per-ip` one connection per address. Started on first use.
 */
export function refusingRelay(kind: 'secret' | 'origin' | 'one-per-ip'): Promise<{ url: string; token?: string }> {
  return executeServerCommand<{ url: string; token?: string }, { kind: string }>('refusing-relay', { kind });
}

/** The WebSocket URL of a port where nothing listens. */
export function closedPortUrl(): Promise<string> {
  return executeServerCommand<string, undefined>('closed-port');
}
