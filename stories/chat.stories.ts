import type { Meta, StoryObj } from '@storybook/web-components';
import { html } from 'lit';
import '../src/define.js';
import type { RtcChat } from '../src/components/index.js';
import { storyRoom, storyServer } from './relay.js';
import {
  callOf,
  chatLines,
  inState,
  leaveAndCleanUp,
  otherParticipant,
  partOf,
  seat,
  seats,
  waitFor,
  type PlayContext,
} from './support.js';

/** `<rtc-chat>` takes no attribute inside a call (`call` names one by id from outside). */
export interface ChatArgs {
  call?: never;
}

const meta = {
  title: 'Elements/rtc-chat',
  component: 'rtc-chat',
  args: {},
  argTypes: { call: { control: false } },
  beforeEach: leaveAndCleanUp,
} satisfies Meta<ChatArgs>;

export default meta;

type Story = StoryObj<ChatArgs>;

/** Types `text` into a chat and sends it with Enter, as a person would: the chat renders between the two. */
async function type(chat: RtcChat, text: string): Promise<void> {
  const input = partOf<HTMLInputElement>(chat, 'input');
  if (!input) throw new Error('The chat has no input.');
  input.focus();
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await chat.updateComplete;
  partOf<HTMLFormElement>(chat, 'form')?.requestSubmit();
}

export const BesideTheVideo: Story = {
  name: 'Beside the video',
  render: (_args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return seats(
      html`${seat(
        'You',
        'Ada',
        html`<rtc-call room=${room} server=${server} name="Ada" autojoin>
          <div class="with-chat">
            <div class="stage">
              <rtc-video peer="remote"></rtc-video>
              <rtc-video class="pip" peer="local"></rtc-video>
            </div>
            <rtc-chat></rtc-chat>
          </div>
          <rtc-controls no-devices></rtc-controls>
        </rtc-call>`,
      )}${otherParticipant(room, server)}`,
      'aside',
    );
  },
  parameters: {
    docs: {
      description: {
        story:
          'A chat panel in a custom layout. The other participant sends a message (with `send()`), and you ' +
          'answer by typing: the messages travel over a data channel of the peer connection, not the relay.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ChatArgs>) => {
    await inState(canvasElement, 'in-call', ['Ada', 'Grace'], abortSignal);
    const chat = canvasElement.querySelector<RtcChat>('rtc-chat')!;
    callOf(canvasElement, 'Grace').send('Hi Ada! Can you see my slides?');
    await waitFor('Grace’s message', () => chatLines(chat).includes('Grace: Hi Ada! Can you see my slides?'), {
      signal: abortSignal,
    });
    await type(chat, 'Loud and clear. Go ahead!');
    await waitFor('your answer', () => chatLines(chat).includes('You: Loud and clear. Go ahead!'), {
      signal: abortSignal,
    });
  },
};

export const NotJoinedYet: Story = {
  name: 'Not joined yet',
  render: (_args, { id }) =>
    seats(
      seat(
        'You',
        'Ada',
        html`<rtc-call room=${storyRoom(id)} server=${storyServer()} name="Ada"><rtc-chat></rtc-chat></rtc-call>`,
      ),
    ),
  parameters: {
    docs: {
      description: { story: 'Before the call joins, the chat says so and its input is disabled.' },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<ChatArgs>) => {
    const chat = canvasElement.querySelector<RtcChat>('rtc-chat')!;
    await waitFor('a disabled input', () => partOf<HTMLInputElement>(chat, 'input')?.disabled, { signal: abortSignal });
  },
};
