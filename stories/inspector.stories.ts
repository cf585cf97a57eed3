import type { Meta, StoryObj } from '@storybook/web-components';
import { html } from 'lit';
import '../src/define.js';
import type { RtcInspector } from '../src/components/index.js';
import { storyRoom, storyServer } from './relay.js';
import {
  denyCameraAndMicrophone,
  inState,
  leaveAndCleanUp,
  otherParticipant,
  seat,
  seats,
  waitFor,
  type PlayContext,
} from './support.js';

/** `<rtc-inspector>` has no attributes the stories vary: it inspects the call it sits in. */
export type InspectorArgs = Record<string, never>;

const meta = {
  title: 'Elements/rtc-inspector',
  component: 'rtc-inspector',
  beforeEach: leaveAndCleanUp,
} satisfies Meta<InspectorArgs>;

export default meta;

type Story = StoryObj<InspectorArgs>;

/** The peer actor's chart, once it lights `connected`. */
const peerConnected = (inspector: RtcInspector | null): boolean =>
  !!inspector?.shadowRoot?.querySelector(
    '[part~="chart"][data-machine="peer"] g.state.active[data-state-id="peer.connected"]',
  );

export const InCall: Story = {
  name: 'In call',
  render: (_args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return html`${seats(
        html`${seat(
          'You',
          'Ada',
          html`<rtc-call id=${`${id}-call`} room=${room} server=${server} name="Ada" autojoin>
            <rtc-video peer="remote"></rtc-video>
          </rtc-call>`,
        )}${otherParticipant(room, server)}`,
      )} <rtc-inspector call=${`${id}-call`} style="margin-top: 1rem; --rtc-inspector-height: 46rem"></rtc-inspector>`;
  },
  parameters: {
    docs: {
      description: {
        story:
          'Next to a call in progress: a statechart per actor (call, signaling, the peer with its ICE and quality ' +
          'children, media), the event timeline with the offer/answer exchange, and the link lane with its slider.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<InspectorArgs>) => {
    await inState(canvasElement, 'in-call', ['Ada', 'Grace'], abortSignal);
    const inspector = canvasElement.querySelector<RtcInspector>('rtc-inspector')!;
    await waitFor('the peer chart lit at connected', () => peerConnected(inspector), { signal: abortSignal });
  },
};

/** The texts of the failures the inspector lists above its timeline. */
const failuresOf = (inspector: RtcInspector | null): string[] =>
  [...(inspector?.shadowRoot?.querySelectorAll('.failures li') ?? [])].map((li) => li.textContent ?? '');

export const CameraDenied: Story = {
  name: 'Camera denied',
  beforeEach: denyCameraAndMicrophone,
  render: (_args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return html`${seats(
        seat(
          'You',
          'Ada',
          html`<rtc-call id=${`${id}-call`} room=${room} server=${server} name="Ada" autojoin></rtc-call>`,
        ),
      )} <rtc-inspector call=${`${id}-call`} style="margin-top: 1rem; --rtc-inspector-height: 40rem"></rtc-inspector>`;
  },
  parameters: {
    docs: {
      description: {
        story:
          'The browser refused the camera and microphone (`getUserMedia` rejects with `NotAllowedError`). The ' +
          'inspector lists the failure above the timeline, with its cause, and marks its row: no JSON to read.',
      },
    },
  },
  play: async ({ canvasElement, abortSignal }: PlayContext<InspectorArgs>) => {
    await inState(canvasElement, 'waiting', ['Ada'], abortSignal);
    const inspector = canvasElement.querySelector<RtcInspector>('rtc-inspector')!;
    await waitFor(
      'the denied camera listed with its cause',
      () => failuresOf(inspector).some((text) => text.includes('NotAllowedError')),
      { signal: abortSignal },
    );
  },
};
