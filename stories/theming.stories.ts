import type { Meta, StoryObj } from '@storybook/web-components';
import { html } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import '../src/define.js';
import { storyRoom, storyServer } from './relay.js';
import { inCall, leaveAndCleanUp, otherParticipant, seat, seats, type PlayContext } from './support.js';

/** The `--rtc-*` custom properties the elements read. Empty: the built-in value. */
export interface ThemeArgs {
  '--rtc-bg': string;
  '--rtc-surface': string;
  '--rtc-fg': string;
  '--rtc-muted-fg': string;
  '--rtc-accent': string;
  '--rtc-danger': string;
  '--rtc-tile-bg': string;
  '--rtc-radius': string;
  '--rtc-gap': string;
  '--rtc-font': string;
  '--rtc-tile-min': string;
}

const NONE: ThemeArgs = {
  '--rtc-bg': '',
  '--rtc-surface': '',
  '--rtc-fg': '',
  '--rtc-muted-fg': '',
  '--rtc-accent': '',
  '--rtc-danger': '',
  '--rtc-tile-bg': '',
  '--rtc-radius': '',
  '--rtc-gap': '',
  '--rtc-font': '',
  '--rtc-tile-min': '',
};

/** The args that are set, as a style. */
const theme = (args: ThemeArgs) =>
  styleMap(Object.fromEntries(Object.entries(args).filter(([name, value]) => name.startsWith('--rtc-') && value)));

const color = { control: 'color' } as const;

const meta = {
  title: 'Recipes/Theming',
  component: 'rtc-call',
  args: NONE,
  argTypes: {
    '--rtc-bg': color,
    '--rtc-surface': { ...color, description: 'Background of bars and panels.' },
    '--rtc-fg': color,
    '--rtc-muted-fg': { ...color, description: 'Secondary text (the status line).' },
    '--rtc-accent': color,
    '--rtc-danger': color,
    '--rtc-tile-bg': { ...color, description: 'Behind a tile’s video.' },
    '--rtc-radius': { control: 'text' },
    '--rtc-gap': { control: 'text' },
    '--rtc-font': { control: 'text' },
    '--rtc-tile-min': { control: 'text' },
  },
  beforeEach: leaveAndCleanUp,
  play: ({ canvasElement, abortSignal }: PlayContext<ThemeArgs>) => inCall(canvasElement, 'Ada', 'Grace', abortSignal),
} satisfies Meta<ThemeArgs>;

export default meta;

type Story = StoryObj<ThemeArgs>;

export const CustomProperties: Story = {
  name: 'Custom properties',
  args: {
    '--rtc-bg': '#fbf7f0',
    '--rtc-surface': '#fffdf8',
    '--rtc-fg': '#2b2118',
    '--rtc-muted-fg': '#7a6a58',
    '--rtc-accent': '#0f766e',
    '--rtc-danger': '#c2410c',
    '--rtc-tile-bg': '#2b2118',
    '--rtc-radius': '1.25rem',
    '--rtc-gap': '1rem',
    '--rtc-font': "Georgia, 'Iowan Old Style', serif",
  },
  render: (args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return seats(
      html`${seat(
        'You',
        'Ada',
        html`<rtc-call style=${theme(args)} room=${room} server=${server} name="Ada" autojoin></rtc-call>`,
      )}${otherParticipant(room, server)}`,
    );
  },
  parameters: {
    docs: {
      description: {
        story:
          'Your call in a brand’s colours, type and corners, set with `--rtc-*` custom properties on the ' +
          '`<rtc-call>` (they inherit into every element inside). The other participant keeps the defaults. ' +
          'Change them with the controls.',
      },
    },
  },
};

export const Parts: Story = {
  name: 'Parts',
  render: (args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return html`<style>
        .parts rtc-video::part(base) {
          border-radius: 1.5rem;
          box-shadow: 0 12px 32px rgb(15 23 42 / 28%);
        }
        .parts rtc-video::part(name) {
          background: #fff;
          color: #0f172a;
          font-weight: 600;
          border-radius: 999px;
          padding-inline: 0.8rem;
        }
        .parts rtc-controls::part(base) {
          width: fit-content;
          margin-inline: auto;
          background: #0f172a;
          border: 0;
          border-radius: 999px;
          padding: 0.5rem;
        }
        .parts rtc-controls::part(button) {
          background: #1e293b;
          color: #f8fafc;
        }
        .parts rtc-controls::part(hangup) {
          width: 4.5rem;
          background: #e11d48;
        }
      </style>
      ${seats(
        html`${seat(
          'You',
          'Ada',
          html`<rtc-call class="parts" style=${theme(args)} room=${room} server=${server} name="Ada" autojoin>
            <div class="tiles"><rtc-video peer="local"></rtc-video><rtc-video peer="remote"></rtc-video></div>
            <rtc-controls no-devices></rtc-controls>
          </rtc-call>`,
          'parts',
        )}${otherParticipant(room, server)}`,
      )}`;
  },
  parameters: {
    docs: {
      description: {
        story:
          'Restyled through parts: `rtc-video::part(base)` and `::part(name)` round the tiles and their name ' +
          'tags, `rtc-controls::part(base)`, `::part(button)` and `::part(hangup)` make a floating dark bar.',
      },
    },
  },
};

export const DarkMode: Story = {
  name: 'Dark mode',
  args: {
    '--rtc-bg': '#111318',
    '--rtc-surface': '#1b1e25',
    '--rtc-fg': '#e8eaf0',
    '--rtc-muted-fg': '#9aa1ad',
    '--rtc-accent': '#7b9cff',
    '--rtc-tile-bg': '#000000',
  },
  render: (args, { id }) => {
    const room = storyRoom(id);
    const server = storyServer();
    return html`<style>
        .dark-page {
          color-scheme: dark;
          background: #0a0b0f;
          padding: 1rem;
          border-radius: 1rem;
        }
        .dark-page .story-seat > h2 {
          color: #9aa1ad;
        }
        .dark-page .story-seat > h2 small {
          color: #c5cad4;
        }
      </style>
      <div class="dark-page" style=${theme(args)}>
        ${seats(
          html`${seat('You', 'Ada', html`<rtc-call room=${room} server=${server} name="Ada" autojoin></rtc-call>`)}
          ${otherParticipant(room, server)}`,
        )}
      </div>`;
  },
  parameters: {
    docs: {
      description: {
        story:
          'The elements follow `prefers-color-scheme` on their own. An app with its own dark mode sets the ' +
          'dark tokens on a container, as here: every call inside, both participants’, turns dark.',
      },
    },
  },
};
