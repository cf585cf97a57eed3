import type { StorybookConfig } from '@storybook/web-components-vite';

/** What Storybook's server channel offers a preset here. */
interface ServerChannel {
  on(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  removeAllListeners(event?: string): void;
}

/**
 * Storybook for rtc-kit's elements. Stories render real `<rtc-call>`s against a real relay (see `stories/relay.ts`);
 * `npm run storybook` (`stories/serve.mjs`) starts one on port 8787 next to the dev server.
 *
 * Nothing here reaches the internet: no telemetry, crash reports, update checks, "what's new" posts or onboarding
 * checklist. The CLI flags in package.json (`--disable-telemetry`, `--no-version-updates`) cover what runs before
 * this file is read.
 */
const config: StorybookConfig & { experimental_serverChannel?: (channel: ServerChannel) => Promise<ServerChannel> } = {
  framework: { name: '@storybook/web-components-vite', options: {} },
  stories: ['../stories/**/*.stories.ts'],
  // Docs pages and their API tables; controls, actions and interactions are part of Storybook's core.
  addons: ['@storybook/addon-docs'],
  core: {
    disableTelemetry: true,
    enableCrashReports: false,
    disableWhatsNewNotifications: true,
  },
  features: { sidebarOnboardingChecklist: false, menuOnboardingChecklist: false },
  // The dev manager asks the dev server for Storybook's latest blog post, which the server fetches from the
  // internet whatever `disableWhatsNewNotifications` says. Answer "unavailable" here instead of going out.
  experimental_serverChannel: async (channel) => {
    channel.removeAllListeners('requestWhatsNewData');
    channel.on('requestWhatsNewData', () => channel.emit('resultWhatsNewData', { data: { status: 'ERROR' } }));
    return channel;
  },
  viteFinal: (config) => ({
    ...config,
    // The elements use standard decorators (`@property() accessor x`), which no browser runs yet. For its
    // default `esnext` target Vite's esbuild leaves them as they are; a real target makes esbuild lower them.
    esbuild: { ...config.esbuild, target: 'es2022' },
    // Found after the first page load, these would make Vite reload the page and load a second copy of Lit.
    optimizeDeps: {
      ...config.optimizeDeps,
      include: [
        ...(config.optimizeDeps?.include ?? []),
        'lit',
        'lit/decorators.js',
        'lit/directives/repeat.js',
        'lit/directives/style-map.js',
        'lit/directive-helpers.js',
        '@lit/context',
        'xstate',
      ],
    },
    // Storybook's own docs renderer is a ~1 MB chunk; nothing of ours comes close.
    build: { ...config.build, chunkSizeWarningLimit: 1500 },
  }),
};

export default config;
