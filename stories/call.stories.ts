import type { Meta, StoryObj } from '@storybook/web-components';
import { html, type TemplateResult } from 'lit';
import '../src/define.js';
import { storyRoom, storyServer } from './relay.js';
import {
  callOf,
  click,
  denyCameraAndMicrophone,
  dropRelayConnection,
  fillRoom,
  inCall,
  inState,
  leaveAndCleanUp,
  otherParticipant,
  partOf,
  placeholderOf,
  reconnectAttempts,
  seat,
  seats,
  showsMuted,
  tilesOf,
  waitFor,
  type PlayContext,
} from './support.js';

/** The attributes of `<rtc-call>` the stories set; `room` and `server` default to a fresh room on the story relay. */
export interface CallArgs {
  name: string;
  room: string;
  server: string;
  'no-audio': boolean;
  'no-video': boolean;
  'ice-servers': string;
  quality: string;
  /** Not an arg: every story joins on its own (or, for the full room, by `join()`). */
  autojoin?: never;
}

/** Your call, as the args describe it. */
function yourCall(args: CallArgs, id: string, { autojoin = true } = {}): TemplateResult {
  return html`<rtc-call
    room=${args.room || storyRoom(id)}
    server=${args.server || storyServer()}
    name=${args.name}
    ?no-audio=${args['no-audio']}
    ?no-video=${args['no-video']}
    ice-servers=${args['ice-servers']}
    quality=${args.quality}
    ?autojoin=${autojoin}
  ></rtc-call>`;
}

/** Your call, alone. */
function alone(args: CallArgs, { id }: { id: string }): TemplateResult {
  return seats(seat('You', args.name, yourCall(args, id)));
}

/** Your call next to the other participant's, in the same room. */
function pair(args: CallArgs, { id }: { id: string }): TemplateResult {
  const room = args.room || storyRoom(id);
  const server = args.server || storyServer();
  return seats(
    html`${seat('You', args.name, yourCall({ ...args, room, server }, id))}${otherParticipant(room, server)}`,
  );
}

const meta = {
  title: 'Elements/rtc-call',
  component: 'rtc-call',
  args: {
    name: 'Ada',
    room: '',
    server: '',
    'no-audio': false,
    'no-video': false,
    'ice-servers': '',
    quality: 'auto',
  },
  argTypes: {
    room: { description: 'Room to join. Empty here: each story picks a fresh room on the story relay.' },
    server: { description: 'WebSocket URL of the relay. Empty here: the story relay (`stories/relay.ts`).' },
    autojoin: { control: false, description: 'Join as soon as the element is on the page. On in every story.' },
  },
  beforeEach: leaveAndCleanUp,
  render: alone,
} satisfies Meta<CallArgs>;

export default meta;

type Story = StoryObj<CallArgs>;

const describe = (story: string) => ({ docs: { description: { story } } });

export const Waiting: Story = {
  parameters: describe('Joined, alone in the room: your own tile and the controls, waiting for someone to join.'),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    const [you] = await inState(canvasElement, 'waiting', [args.name], abortSignal);
    await waitFor('your own video', () => tilesOf(you!)[0] && !placeholderOf(tilesOf(you!)[0]), {
      signal: abortSignal,
    });
  },
};

export const InCall: Story = {
  name: 'In call',
  render: pair,
  parameters: describe(
    'Two `<rtc-call>`s in the same room on one page: yours, and the other participant’s. Each shows both tiles.',
  ),
  play: ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) =>
    inCall(canvasElement, args.name, 'Grace', abortSignal),
};

export const Muted: Story = {
  render: pair,
  parameters: describe(
    'You muted your microphone with the controls: your tile shows the muted badge, and so does the other ' +
      'participant’s tile of you, told over the relay.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    await inCall(canvasElement, args.name, 'Grace', abortSignal);
    const you = callOf(canvasElement, args.name);
    await click(you, 'mic', abortSignal);
    const other = callOf(canvasElement, 'Grace');
    await waitFor('both sides to show you muted', () => showsMuted(tilesOf(you)[0]) && showsMuted(tilesOf(other)[1]), {
      signal: abortSignal,
    });
  },
};

export const CameraOff: Story = {
  name: 'Camera off',
  render: pair,
  parameters: describe(
    'You turned your camera off with the controls (the camera is released, its light goes off): both sides show ' +
      'your initials instead of video.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    await inCall(canvasElement, args.name, 'Grace', abortSignal);
    const you = callOf(canvasElement, args.name);
    await click(you, 'camera', abortSignal);
    const other = callOf(canvasElement, 'Grace');
    await waitFor(
      'both sides to show your camera off',
      () => placeholderOf(tilesOf(you)[0]) === 'Camera off' && placeholderOf(tilesOf(other)[1]) === 'Camera off',
      { signal: abortSignal },
    );
  },
};

export const Reconnecting: Story = {
  render: pair,
  parameters: describe(
    'Your connection to the relay dropped and the relay stays out of reach, while the peer connection carries ' +
      'on. A real relay cannot be told to drop one client, so the story does what the network would: from then ' +
      'on a WebSocket to the relay’s host fails with 1006, and your call’s signaling actor gets `socket.closed` ' +
      '(1006), the event its WebSocket sends when a connection drops. The engine does the rest: signaling ' +
      'retries with backoff and your call stays `reconnecting`. The relay sees you leave, so after its grace ' +
      'period (10 s) the other participant stops waiting for you, as it would in a real outage.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    await inCall(canvasElement, args.name, 'Grace', abortSignal);
    const you = callOf(canvasElement, args.name);
    dropRelayConnection(you);
    await waitFor(
      'reconnecting, after three attempts',
      () => you.state === 'reconnecting' && reconnectAttempts(you) >= 3,
      {
        signal: abortSignal,
      },
    );
  },
};

export const RelayUnreachable: Story = {
  name: 'Relay unreachable',
  args: { server: 'ws://127.0.0.1:65535/signal' },
  parameters: describe(
    'Nothing listens at the relay URL. The camera starts; within a second the call says so (`rtc-error` ' +
      '`relay-unreachable`, found by probing the URL over HTTP) and goes `retrying`: the status line counts down ' +
      'to the next attempt (backoff up to 5 s apart), with a Retry button that tries at once. After ' +
      '`join-retries` attempts (8, about 20 s) the call gives up: `failed`, with the reason.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    const you = callOf(canvasElement, args.name);
    await waitFor('retrying, after two attempts', () => you.state === 'retrying' && reconnectAttempts(you) >= 2, {
      signal: abortSignal,
    });
  },
};

export const Failed: Story = {
  name: 'Failed (room full)',
  render: (args, { id }) => seats(seat('You', args.name, yourCall(args, id, { autojoin: false }))),
  parameters: describe(
    'The relay refused the join because the room is full, so retrying would not help: the call fails at once ' +
      'and says why. The story fills the room first with bare WebSocket members (the relay holds 16 by ' +
      'default), then calls `join()`.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    const you = callOf(canvasElement, args.name);
    await fillRoom(you.server, you.room);
    you.join();
    await inState(canvasElement, 'failed', [args.name], abortSignal);
    await waitFor(
      'the reason',
      () => !partOf(you, 'error')?.hidden && partOf(you, 'error')?.textContent?.includes('full'),
      {
        signal: abortSignal,
      },
    );
  },
};

export const Denied: Story = {
  name: 'Camera denied',
  beforeEach: denyCameraAndMicrophone,
  parameters: describe(
    'The browser refused the camera and microphone (here `getUserMedia` rejects with `NotAllowedError`, as when ' +
      'the user clicks Block). The call still joins, to watch and listen; your tile says the camera is blocked ' +
      'and how to allow it.',
  ),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    const [you] = await inState(canvasElement, 'waiting', [args.name], abortSignal);
    await waitFor('the blocked camera', () => placeholderOf(tilesOf(you!)[0]) === 'Camera blocked', {
      signal: abortSignal,
    });
  },
};

export const Left: Story = {
  name: 'Left the call',
  parameters: describe('You hung up: the camera is released, and the hang-up button becomes “Join again”.'),
  play: async ({ canvasElement, args, abortSignal }: PlayContext<CallArgs>) => {
    const [you] = await inState(canvasElement, 'waiting', [args.name], abortSignal);
    await click(you!, 'hangup', abortSignal);
    await inState(canvasElement, 'ended', [args.name], abortSignal);
  },
};
