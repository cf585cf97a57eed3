// Runs in the `autoplay-blocked` group of web-test-runner.config.mjs: a Chromium that refuses sound until the
// user interacts with the page, as browsers do for a newly opened page.
import { expect, waitUntil } from '@open-wc/testing';
import '../../src/define.js';
import { sendMouse } from '@web/test-runner-commands';
import { inside, pair, remotePlays, tiles } from './fixtures.js';

afterEach(() => {
  for (const call of document.querySelectorAll('rtc-call')) call.leave();
});

/** Clicks the middle of `element` with a real (trusted) mouse event, which counts as a user gesture. */
async function click(element: Element): Promise<void> {
  const box = element.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
}

describe('<rtc-video> when the browser blocks autoplay with sound', () => {
  it('plays the remote video muted, offers a button, and turns the sound on when it is clicked', async () => {
    const { alice } = await pair();
    const video = await remotePlays(alice);
    const tile = tiles(alice)[1]!;
    const button = inside<HTMLButtonElement>(tile, '[part="unmute"]');
    await waitUntil(() => !button.hidden, 'the unmute button shows', { timeout: 10_000 });
    expect(video.muted, 'the video plays muted rather than not at all').to.equal(true);
    expect(video.paused).to.equal(false);
    expect(button.textContent?.trim()).to.equal('Click to turn sound on');
    await expect(tile).to.be.accessible();

    await click(button);
    await waitUntil(() => button.hidden, 'the button goes once sound plays', { timeout: 10_000 });
    expect(video.muted).to.equal(false);
    expect(video.paused).to.equal(false);
  });

  it('never offers the button on the local tile, which is always muted', async () => {
    const { alice } = await pair();
    await remotePlays(alice);
    expect(inside<HTMLButtonElement>(tiles(alice)[0]!, '[part="unmute"]').hidden).to.equal(true);
  });
});
