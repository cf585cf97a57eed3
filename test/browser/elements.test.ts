import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import { sendKeys } from '@web/test-runner-commands';
import type { RtcCall, RtcChat, RtcControls } from '../../src/components/index.js';
import type {
  RtcErrorEvent,
  RtcMessageEvent,
  RtcPeerConnectedEvent,
  RtcPeerJoinedEvent,
  RtcPeerLeftEvent,
  RtcStateEvent,
} from '../../src/events/index.js';
import { relayUrl, uniqueRoom } from './commands.js';
import { inside, pair, remotePlays, tiles } from './fixtures.js';

let server = '';
before(async () => {
  server = await relayUrl();
});

afterEach(() => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
});

describe('<rtc-call>', () => {
  it('puts two calls in one room in-call, each tile showing the other’s decoded video', async () => {
    const { alice, bob } = await pair();
    expect(alice.getAttribute('state')).to.equal('in-call');
    expect(alice.matches(':state(in-call)')).to.equal(true);
    await remotePlays(alice);
    await remotePlays(bob);
    expect(alice.peers.map((p) => p.meta.name)).to.deep.equal(['Bob']);
    const caption = inside<HTMLElement>(tiles(alice)[1]!, '[part="name"]');
    expect(caption.textContent).to.equal('Bob');
    expect(inside<HTMLElement>(tiles(alice)[0]!, '[part="name"]').textContent).to.equal('Alice (you)');
  });

  it('fires typed events as participants come and go', async () => {
    const room = uniqueRoom('events');
    const alice = await fixture<RtcCall>(html`<rtc-call room=${room} server=${server} name="Alice"></rtc-call>`);
    const waiting = oneEvent<RtcStateEvent>(alice, 'rtc-state');
    alice.join();
    expect((await waiting).state).to.equal('joining');
    await waitUntil(() => alice.state === 'waiting', 'waiting alone');
    const joined = oneEvent<RtcPeerJoinedEvent>(alice, 'rtc-peer-joined');
    const connected = oneEvent<RtcPeerConnectedEvent>(alice, 'rtc-peer-connected');
    const bob = document.createElement('rtc-call');
    Object.assign(bob, { room, server, name: 'Bob', autojoin: true });
    document.body.append(bob);
    expect((await joined).peer.meta.name).to.equal('Bob');
    expect((await connected).peer.meta.name).to.equal('Bob');
    const left = oneEvent<RtcPeerLeftEvent>(alice, 'rtc-peer-left');
    bob.remove();
    expect((await left).peer.meta.name, 'removing an element leaves the room cleanly').to.equal('Bob');
    await waitUntil(() => alice.state === 'waiting', 'alone again');
  });

  it('shows the other side that the microphone is muted', async () => {
    const { alice, bob } = await pair();
    await remotePlays(bob);
    const controls = inside<RtcControls>(alice, 'rtc-controls');
    await waitUntil(() => controls.shadowRoot?.querySelector('button.mic'), 'the mic button');
    const mic = inside<HTMLButtonElement>(controls, 'button.mic');
    expect(mic.getAttribute('aria-pressed')).to.equal('false');
    mic.click();
    await waitUntil(() => mic.getAttribute('aria-pressed') === 'true', 'the toggle says muted');
    const badge = () => inside<HTMLElement>(tiles(bob)[1]!, '.badge.mic');
    await waitUntil(() => !badge().hidden, 'Bob sees Alice muted', { timeout: 5000 });
    mic.click();
    await waitUntil(() => badge().hidden, 'and unmuted again', { timeout: 5000 });
  });

  it('marks a participant who makes sound as speaking, on the other side', async () => {
    const { alice, bob } = await pair();
    await remotePlays(bob);
    // Chromium's fake microphone beeps: Bob's tile of Alice lights up while it does.
    await waitUntil(() => tiles(bob)[1]!.matches(':state(speaking)'), 'Alice speaking', { timeout: 10_000 });
    alice.provided!.setMuted(true);
    await waitUntil(() => !tiles(bob)[1]!.matches(':state(speaking)'), 'a muted participant is not speaking', {
      timeout: 10_000,
    });
  });

  it('does not drop the call when moved in the DOM', async () => {
    const { alice, bob, root } = await pair();
    await remotePlays(bob);
    const actor = alice.actor;
    const elsewhere = document.createElement('section');
    root.append(elsewhere);
    elsewhere.append(alice);
    await alice.updateComplete;
    expect(alice.actor, 'the same call').to.equal(actor);
    expect(alice.state).to.equal('in-call');
    await remotePlays(alice);
    const video = inside<HTMLVideoElement>(tiles(bob)[1]!, 'video');
    const time = video.currentTime;
    await waitUntil(() => video.currentTime > time, 'Bob still receives Alice');
  });

  it('turns bad attributes into rtc-error and a visible message, never an exception', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call room="no spaces allowed" server=${server}></rtc-call>`);
    const error = oneEvent<RtcErrorEvent>(call, 'rtc-error');
    call.join();
    const { code, message } = await error;
    expect(code).to.equal('invalid-attribute');
    expect(message).to.match(/room/);
    const shown = inside<HTMLElement>(call, '[part="error"]');
    await call.updateComplete;
    expect(shown.hidden).to.equal(false);
    expect(shown.textContent).to.contain('is not valid');

    for (const [attribute, value, pattern] of [
      ['server', 'http://[oops', /not a URL/],
      ['server', 'ftp://example.org/signal', /ws:\/\/ or wss:\/\//],
      ['ice-servers', '{not json', /JSON/],
      ['ice-servers', '{"urls":"stun:x"}', /array/],
    ] as const) {
      const bad = await fixture<RtcCall>(html`<rtc-call room="fine"></rtc-call>`);
      bad.setAttribute(attribute, value);
      const next = oneEvent<RtcErrorEvent>(bad, 'rtc-error');
      bad.join();
      expect((await next).message).to.match(pattern);
      expect(bad.state).to.equal('idle');
    }
  });

  it('treats leave() before join() as harmless', async () => {
    const call = await fixture<RtcCall>(html`<rtc-call room=${uniqueRoom('x')} server=${server}></rtc-call>`);
    call.leave();
    expect(call.state).to.equal('idle');
    expect(call.actor).to.equal(undefined);
  });
});

describe('<rtc-chat>', () => {
  /** The texts a chat shows, with their authors. */
  const shown = (chat: RtcChat): string[] =>
    [...(chat.shadowRoot?.querySelectorAll('[part="message"]') ?? [])].map(
      (m) => `${m.querySelector('[part="author"]')?.textContent}: ${m.querySelector('[part="text"]')?.textContent}`,
    );

  it('delivers a message typed in one chat to the other, and as rtc-message', async () => {
    const { alice, bob, root } = await pair();
    await remotePlays(bob);
    root.insertAdjacentHTML('beforeend', '<rtc-chat call="alice"></rtc-chat><rtc-chat call="bob"></rtc-chat>');
    const [aliceChat, bobChat] = [...root.querySelectorAll('rtc-chat')];
    await aliceChat!.updateComplete;
    const received = oneEvent<RtcMessageEvent>(bob, 'rtc-message');
    const sent = oneEvent<RtcMessageEvent>(alice, 'rtc-message');
    inside<HTMLInputElement>(aliceChat!, 'input').focus();
    await sendKeys({ type: 'Hello Bob' });
    await sendKeys({ press: 'Enter' });
    const message = await received;
    expect(message.text).to.equal('Hello Bob');
    expect(message.peer).to.have.nested.property('meta.name', 'Alice');
    expect((await sent).peer).to.equal('local');
    await waitUntil(() => shown(bobChat!).includes('Alice: Hello Bob'), 'Bob’s chat shows it');
    expect(shown(aliceChat!)).to.deep.equal(['You: Hello Bob']);
    expect(inside<HTMLInputElement>(aliceChat!, 'input').value, 'the input is cleared').to.equal('');

    expect(bobChat!.unread).to.equal(1);
    expect(bobChat!.matches(':state(unread)')).to.equal(true);
    inside<HTMLInputElement>(bobChat!, 'input').focus();
    await waitUntil(() => bobChat!.unread === 0 && !bobChat!.matches(':state(unread)'), 'read once focused');
    await expect(bobChat).to.be.accessible();
  });

  /** Picks `files` in `chat`'s file input, as the attach button's dialog does. */
  const pick = (chat: RtcChat, files: File[]): void => {
    const input = inside<HTMLInputElement>(chat, '#files');
    const transfer = new DataTransfer();
    for (const file of files) transfer.items.add(file);
    input.files = transfer.files;
    input.dispatchEvent(new Event('change'));
  };
  /** A file of `size` random bytes. */
  const randomFile = (size: number, name: string): File => {
    const parts: Uint8Array[] = [];
    for (let at = 0; at < size; at += 65_536)
      parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65_536, size - at))));
    return new File(parts as BlobPart[], name);
  };
  /** What each file entry of a chat says: `name: status`. */
  const files = (chat: RtcChat): string[] =>
    [...(chat.shadowRoot?.querySelectorAll('[part="file"]') ?? [])].map(
      (f) => `${f.querySelector('.name')?.textContent}: ${f.querySelector('[part="file-status"]')?.textContent}`,
    );

  it('sends a 1 MiB file each way, picked in the chat; a transfer cancelled on the other side shows as an error', async () => {
    const { alice, bob, root } = await pair();
    root.insertAdjacentHTML('beforeend', '<rtc-chat call="alice"></rtc-chat><rtc-chat call="bob"></rtc-chat>');
    const [aliceChat, bobChat] = [...root.querySelectorAll('rtc-chat')] as RtcChat[];
    await Promise.all([aliceChat!.updateComplete, bobChat!.updateComplete]);
    const errors: string[] = [];
    for (const call of [alice, bob]) call.addEventListener('rtc-error', (e) => errors.push(`${call.id}: ${e.code}`));
    pick(aliceChat!, [randomFile(1024 * 1024, 'to-bob.bin')]);
    pick(bobChat!, [randomFile(1024 * 1024, 'to-alice.bin')]);
    await waitUntil(
      () =>
        files(aliceChat!).includes('to-alice.bin: Received, checked') &&
        files(bobChat!).includes('to-bob.bin: Received, checked') &&
        // The sender says Sent once the receiver's check comes back, which can be after the receiver shows it.
        files(aliceChat!).includes('to-bob.bin: Sent'),
      'each chat has the other’s file, and Alice’s says hers was sent',
      { timeout: 20_000 },
    );
    expect(errors).to.deep.equal([]);

    // Bob stops a large file from Alice half-way: Alice is told, in her chat and as rtc-error.
    const failed = oneEvent<RtcErrorEvent>(alice, 'rtc-error');
    pick(aliceChat!, [randomFile(40 * 1024 * 1024, 'big.bin')]);
    const cancel = (): HTMLButtonElement | undefined =>
      [...(bobChat!.shadowRoot?.querySelectorAll<HTMLButtonElement>('[part="cancel"]') ?? [])].find((b) =>
        b.textContent?.includes('big.bin'),
      );
    await waitUntil(() => cancel(), 'Bob sees it coming, with a Cancel button', { timeout: 20_000 });
    cancel()!.click();
    const error = await failed;
    expect(error.code).to.equal('file-cancelled');
    expect(error.message).to.equal('The transfer of big.bin was cancelled.');
    await waitUntil(
      () => files(aliceChat!).includes('big.bin: The transfer of big.bin was cancelled.'),
      'Alice’s chat says so',
    );
    const status = [...aliceChat!.shadowRoot!.querySelectorAll('[part="file-status"]')].find((s) =>
      s.textContent?.includes('big.bin'),
    );
    expect(status?.getAttribute('role'), 'announced').to.equal('alert');
    expect(errors, 'no error on the side that cancelled').to.deep.equal(['alice: file-cancelled']);
    await expect(aliceChat).to.be.accessible();
  }).timeout(90_000);

  it('keeps messages sent before a connection is open, and delivers them', async () => {
    const room = uniqueRoom('early');
    const alice = await fixture<RtcCall>(
      html`<rtc-call room=${room} server=${server} name="Alice" autojoin></rtc-call>`,
    );
    await waitUntil(() => alice.state === 'waiting', 'Alice waits');
    // The moment Bob is announced there is no data channel to him yet.
    alice.addEventListener('rtc-peer-joined', () => alice.send('sent before the channel opened'), { once: true });
    const bob = document.createElement('rtc-call');
    Object.assign(bob, { room, server, name: 'Bob', autojoin: true });
    document.body.append(bob);
    const message = await oneEvent<RtcMessageEvent>(bob, 'rtc-message');
    expect(message.text).to.equal('sent before the channel opened');
    bob.remove();
  });
});

describe('accessibility', () => {
  it('passes for a call in progress, its tiles and its controls', async () => {
    const { alice } = await pair();
    await remotePlays(alice);
    await expect(alice).to.be.accessible();
    for (const tile of tiles(alice)) await expect(tile).to.be.accessible();
    await expect(inside(alice, 'rtc-controls')).to.be.accessible();
  });
});
