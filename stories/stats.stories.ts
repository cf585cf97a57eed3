import type { Meta, StoryObj } from '@storybook/web-components';
import { html } from 'lit';
import '../src/define.js';
import type { RtcStats } from '../src/components/index.js';
import { storyRoom, storyServer } from './relay.js';
import {
  inState,
  leaveAndCleanUp,
  otherParticipant,
  partOf,
  seat,
  seats,
  waitFor,
  type PlayContext,
} from './support.js';

/** The attributes of `<rtc-stats>` the stories set. */
export interface StatsArgs {
  interval: number;
  /** Not an arg: the element sits inside its `<rtc-call>`. */
  call?: never;
}

const meta = {
  title: 'Elements/rtc-stats',
  component: 'rtc-stats',
  args: { interval: 1000 },
  argTypes: { interval: { control: { type: 'number', min: 250, step: 250 } }, call: { control: false } },
  beforeEach: leaveAndCleanUp,
} satisfies Meta<StatsArgs>;

export default meta;

type Story = StoryObj<StatsArgs>;

export const InCall: Story = {
  name: 'In call',
  render: (args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return seats(
      html`${seat(
        'You',
        'Ada',
        html`<rtc-call room=${room} server=${server} name="Ada" autojoin>
          <div class="tiles"><rtc-video peer="local"></rtc-video><rtc-video peer="remote"></rtc-video></div>
          <rtc-controls no-devices></rtc-controls>
          <rtc-stats interval=${args.interval}></rtc-stats>
        </rtc-call>`,
      )}${otherParticipant(room, server)}`,
      'aside',
    );
  },
  parameters: {
    docs: {
      description: {
        story:
          'Slotted into your call under the tiles: one card per participant with live bitrate, round trip, ' +
          'loss, frame rate, resolution, codecs and how the connection travels, and a minute of sparklines.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<StatsArgs>) => {
    await inState(canvasElement, 'in-call', ['Ada', 'Grace'], abortSignal);
    const stats = canvasElement.querySelector<RtcStats>('rtc-stats');
    await waitFor(
      'incoming video in the statistics',
      () => Object.values(stats?.stats ?? {}).some(({ latest }) => (latest.bitrateIn ?? 0) > 0 && !!latest.codec),
      { signal: abortSignal },
    );
  },
};

export const Alone: Story = {
  name: 'Alone in the room',
  render: (args, { id }) =>
    seats(
      seat(
        'You',
        'Ada',
        html`<rtc-call class="story-narrow" room=${storyRoom(id)} server=${storyServer()} name="Ada" autojoin>
          <rtc-video peer="local"></rtc-video>
          <rtc-stats interval=${args.interval}></rtc-stats>
        </rtc-call>`,
      ),
    ),
  parameters: {
    docs: { description: { story: 'With no one else in the call there is nothing to measure, and it says so.' } },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<StatsArgs>) => {
    await inState(canvasElement, 'waiting', ['Ada'], abortSignal);
    const stats = canvasElement.querySelector<RtcStats>('rtc-stats')!;
    await waitFor(
      'the empty state',
      () => stats.matches(':state(empty)') && partOf(stats, 'empty')?.textContent?.includes('No one else'),
      { signal: abortSignal },
    );
  },
};
