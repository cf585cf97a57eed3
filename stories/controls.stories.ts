import type { Meta, StoryObj } from '@storybook/web-components';
import { html, type TemplateResult } from 'lit';
import '../src/define.js';
import type { RtcControls } from '../src/components/index.js';
import { storyRoom, storyServer } from './relay.js';
import {
  buttonOf,
  callOf,
  click,
  inState,
  leaveAndCleanUp,
  otherParticipant,
  partOf,
  seat,
  seats,
  waitFor,
  type PlayContext,
} from './support.js';

/** The attributes of `<rtc-controls>` the stories set. */
export interface ControlsArgs {
  'no-devices': boolean;
  /** Not an arg: the bar sits inside its `<rtc-call>`, or “Bound by id” names it in the template. */
  call?: never;
}

/** Your call in a custom layout (both tiles, then the bar), next to the other participant. */
function inLayout(args: ControlsArgs, { id }: { id: string }): TemplateResult {
  const room = storyRoom(id);
  const server = storyServer();
  return seats(
    html`${seat(
      'You',
      'Ada',
      html`<rtc-call room=${room} server=${server} name="Ada" autojoin>
        <div class="tiles"><rtc-video peer="local"></rtc-video><rtc-video peer="remote"></rtc-video></div>
        <rtc-controls ?no-devices=${args['no-devices']}></rtc-controls>
      </rtc-call>`,
    )}${otherParticipant(room, server)}`,
    'aside',
  );
}

/** Waits until the bar of your call is live: in call, with its microphone button enabled. */
async function live(root: HTMLElement, signal?: AbortSignal): Promise<RtcControls> {
  await inState(root, 'in-call', ['Ada', 'Grace'], signal);
  const controls = root.querySelector<RtcControls>('rtc-controls');
  await waitFor('the microphone button', () => buttonOf(controls, 'mic') && !buttonOf(controls, 'mic')!.disabled, {
    signal,
  });
  return controls!;
}

const meta = {
  title: 'Elements/rtc-controls',
  component: 'rtc-controls',
  args: { 'no-devices': false },
  argTypes: { call: { control: false } },
  beforeEach: leaveAndCleanUp,
  render: inLayout,
} satisfies Meta<ControlsArgs>;

export default meta;

type Story = StoryObj<ControlsArgs>;

export const InACustomLayout: Story = {
  name: 'In a custom layout',
  parameters: {
    docs: {
      description: {
        story:
          'Slotted into `<rtc-call>` under your own tiles, the bar binds to that call: microphone, camera, screen ' +
          'share and hang-up, then pickers for camera, microphone and speaker.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ControlsArgs>) => {
    await live(canvasElement, abortSignal);
  },
};

export const MutedAndCameraOff: Story = {
  name: 'Muted, camera off',
  parameters: {
    docs: {
      description: {
        story: 'Both toggles pressed (`aria-pressed="true"`): the microphone is muted and the camera is off.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ControlsArgs>) => {
    const controls = await live(canvasElement, abortSignal);
    const you = callOf(canvasElement, 'Ada');
    await click(you, 'mic', abortSignal);
    await click(you, 'camera', abortSignal);
    await waitFor(
      'both toggles pressed',
      () =>
        buttonOf(controls, 'mic')?.getAttribute('aria-pressed') === 'true' &&
        buttonOf(controls, 'camera')?.getAttribute('aria-pressed') === 'true',
      { signal: abortSignal },
    );
  },
};

export const WithoutDevicePickers: Story = {
  name: 'Without device pickers',
  args: { 'no-devices': true },
  parameters: {
    docs: { description: { story: 'With `no-devices`: the buttons only, for a compact bar.' } },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ControlsArgs>) => {
    const controls = await live(canvasElement, abortSignal);
    await waitFor('the pickers hidden', () => partOf(controls, 'devices')?.hidden, { signal: abortSignal });
  },
};

export const BoundById: Story = {
  name: 'Bound by id',
  render: (args, { id }) => {
    const room = storyRoom(id);
    const callId = `call-${room}`;
    return seats(
      seat(
        'You',
        'Ada',
        html`<div class="story-narrow">
          <rtc-call id=${callId} room=${room} server=${storyServer()} name="Ada" autojoin>
            <rtc-video peer="local"></rtc-video>
          </rtc-call>
          <p class="story-note">The bar below is outside the call; <code>call="${callId}"</code> binds it.</p>
          <rtc-controls call=${callId} ?no-devices=${args['no-devices']}></rtc-controls>
        </div>`,
      ),
    );
  },
  parameters: {
    docs: {
      description: {
        story:
          'Outside an `<rtc-call>`, the `call` attribute names the call by id, so the bar can live anywhere on ' +
          'the page: in an app’s toolbar, say.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ControlsArgs>) => {
    await inState(canvasElement, 'waiting', ['Ada'], abortSignal);
    const controls = canvasElement.querySelector<RtcControls>('rtc-controls[call]');
    await waitFor('the bar to bind', () => buttonOf(controls, 'mic') && !buttonOf(controls, 'mic')!.disabled, {
      signal: abortSignal,
    });
  },
};
