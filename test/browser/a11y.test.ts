// Every element passes axe (WCAG 2 A and AA, colour contrast included) in each state a user sees, in the light
// and the dark theme.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import { emulateMedia } from '@web/test-runner-commands';
import type { RtcCall, RtcChat, RtcStats } from '../../src/components/index.js';
import { relayUrl, uniqueRoom } from './commands.js';
import { pair, tiles } from './fixtures.js';

let server = '';
before(async () => {
  server = await relayUrl();
});

afterEach(async () => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
  await emulateMedia({ colorScheme: 'light' });
});

/** Runs `check` in the light theme, then again in the dark one. */
async function inBothThemes(check: (theme: string) => Promise<void>): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await emulateMedia({ colorScheme });
    await check(colorScheme);
  }
}

describe('accessibility (axe)', () => {
  it('<rtc-call> before joining and waiting alone', async () => {
    const call = await fixture<RtcCall>(
      html`<rtc-call room=${uniqueRoom('a11y')} server=${server} name="Ada"></rtc-call>`,
    );
    await inBothThemes(async (theme) => {
      await expect(call, `idle, ${theme}`).to.be.accessible();
    });
    call.join();
    await waitUntil(() => call.state === 'waiting', 'waiting alone', { timeout: 15_000 });
    await inBothThemes(async (theme) => {
      await expect(call, `waiting, ${theme}`).to.be.accessible();
    });
  });

  it('<rtc-call> in a call, with its tiles, controls, chat and stats', async () => {
    const { alice } = await pair();
    await waitUntil(() => tiles(alice).length === 2, 'a remote tile', { timeout: 10_000 });
    await inBothThemes(async (theme) => {
      await expect(alice, `in-call, ${theme}`).to.be.accessible();
    });
  });

  it('a tile whose connection is still being set up (the Connecting badge)', async () => {
    const room = uniqueRoom('a11y-connecting');
    // Relay-only ICE with no TURN server: the two can never connect, so the badge stays up.
    const root = await fixture<HTMLElement>(html`
      <div>
        <rtc-call id="a" room=${room} server=${server} name="Ada" autojoin></rtc-call>
        <rtc-call id="b" room=${room} server=${server} name="Bo" ice-transport-policy="relay" autojoin></rtc-call>
      </div>
    `);
    const ada = root.querySelector<RtcCall>('#a')!;
    await waitUntil(() => tiles(ada).length === 2, 'a remote tile', { timeout: 15_000 });
    const remote = tiles(ada)[1]!;
    await waitUntil(() => remote.shadowRoot?.querySelector('.badge.link.connecting'), 'the Connecting badge');
    await inBothThemes(async (theme) => {
      await expect(remote, `connecting tile, ${theme}`).to.be.accessible();
    });
  });

  it('<rtc-chat> with messages from both sides, and <rtc-stats>', async () => {
    const { alice, bob, root } = await pair();
    root.insertAdjacentHTML('beforeend', '<rtc-chat call="alice"></rtc-chat><rtc-stats call="alice"></rtc-stats>');
    const chat = root.querySelector<RtcChat>('rtc-chat')!;
    const stats = root.querySelector<RtcStats>('rtc-stats')!;
    alice.send('hello from Alice');
    bob.send('hello from Bob');
    await waitUntil(() => chat.shadowRoot?.querySelectorAll('[part~="message"]').length === 2, 'two messages', {
      timeout: 10_000,
    });
    await inBothThemes(async (theme) => {
      await expect(chat, `chat, ${theme}`).to.be.accessible();
      await expect(stats, `stats, ${theme}`).to.be.accessible();
    });
  });
});
