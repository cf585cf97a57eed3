import type { Meta, StoryObj } from '@storybook/web-components';
import { html } from 'lit';
import '../src/define.js';
import type { RtcVideo } from '../src/components/index.js';
import { storyRoom, storyServer } from './relay.js';
import {
  inState,
  leaveAndCleanUp,
  otherParticipant,
  plays,
  seat,
  seats,
  waitFor,
  type PlayContext,
} from './support.js';

/** The attributes of `<rtc-video>` the stories set, on the main tile. */
export interface VideoArgs {
  peer: string;
  fit: 'cover' | 'contain';
  mirror: boolean;
  'no-mirror': boolean;
  muted: boolean;
  /** Not an arg: the element sits inside its `<rtc-call>`. */
  call?: never;
}

const tile = (args: VideoArgs, className = '') =>
  html`<rtc-video
    class=${className}
    peer=${args.peer}
    fit=${args.fit}
    ?mirror=${args.mirror}
    ?no-mirror=${args['no-mirror']}
    ?muted=${args.muted}
  ></rtc-video>`;

const meta = {
  title: 'Elements/rtc-video',
  component: 'rtc-video',
  args: { peer: 'remote', fit: 'cover', mirror: false, 'no-mirror': false, muted: false },
  argTypes: {
    fit: { control: 'inline-radio', options: ['cover', 'contain'] },
    peer: { control: 'text' },
    call: { control: false },
  },
  beforeEach: leaveAndCleanUp,
} satisfies Meta<VideoArgs>;

export default meta;

type Story = StoryObj<VideoArgs>;

/** The `<rtc-video>` of this story that shows `peer`. */
const shown = (root: HTMLElement, args: VideoArgs): RtcVideo | null =>
  root.querySelector<RtcVideo>(`rtc-video[peer="${args.peer}"]:not(.pip)`);

export const SpeakerView: Story = {
  name: 'Speaker view',
  render: (args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return seats(
      html`${seat(
        'You',
        'Ada',
        html`<rtc-call room=${room} server=${server} name="Ada" autojoin>
          <div class="stage">${tile(args)}<rtc-video class="pip" peer="local"></rtc-video></div>
          <rtc-controls></rtc-controls>
        </rtc-call>`,
      )}${otherParticipant(room, server)}`,
      'aside',
    );
  },
  parameters: {
    docs: {
      description: {
        story:
          'A custom layout slotted into `<rtc-call>`: the other participant fills the stage (`peer="remote"`), ' +
          'your own video sits in a corner (`peer="local"`, mirrored), and the controls go underneath.',
      },
    },
  },
  play: async ({ canvasElement, args, abortSignal }: PlayContext<VideoArgs>) => {
    await inState(canvasElement, 'in-call', ['Ada', 'Grace'], abortSignal);
    const pip = canvasElement.querySelector<RtcVideo>('rtc-video.pip');
    await waitFor('the stage and your corner to play', () => plays(shown(canvasElement, args)) && plays(pip), {
      signal: abortSignal,
    });
  },
};

export const YourOwnTile: Story = {
  name: 'Your own tile',
  args: { peer: 'local' },
  render: (args, { id }) =>
    seats(
      seat(
        'You',
        'Ada',
        html`<rtc-call class="story-narrow" room=${storyRoom(id)} server=${storyServer()} name="Ada" autojoin>
          ${tile(args)}
        </rtc-call>`,
      ),
    ),
  parameters: {
    docs: {
      description: {
        story:
          'One tile on its own: your camera, mirrored as in a mirror (set `no-mirror` to show it as others see it).',
      },
    },
  },
  play: async ({ canvasElement, args, abortSignal }: PlayContext<VideoArgs>) => {
    await inState(canvasElement, 'waiting', ['Ada'], abortSignal);
    await waitFor('your video to play', () => plays(shown(canvasElement, args)), { signal: abortSignal });
  },
};
