import type { ArgTypesEnhancer, Preview } from '@storybook/web-components';
import { setCustomElementsManifest } from '@storybook/web-components';
// Generated from the elements' JSDoc by `npm run build` (@custom-elements-manifest/analyzer --litelement).
import manifest from '../custom-elements.json';
import { forStorybook } from './manifest';

setCustomElementsManifest(forStorybook(manifest));

/**
 * Only attributes take controls, unless a story gives one (Theming gives the custom properties colour pickers).
 * What remains under "properties" is read-only (`peers`, `actor`…); the `state` attribute is reflected by the
 * element, never set; events, parts and custom properties have nothing to set by default.
 */
const controlsForAttributesOnly: ArgTypesEnhancer = ({ argTypes }) =>
  Object.fromEntries(
    Object.entries(argTypes).map(([name, argType]) => {
      const category = argType.table?.category;
      const readOnly = category === 'properties' || (category === 'attributes' && name === 'state');
      const settable = category === 'attributes' || argType.control !== undefined;
      return [name, readOnly || !settable ? { ...argType, control: false as const } : argType];
    }),
  );

const preview: Preview = {
  tags: ['autodocs'],
  argTypesEnhancers: [controlsForAttributesOnly],
  parameters: {
    layout: 'padded',
    options: {
      storySort: { order: ['Elements', ['rtc-call', 'rtc-video', 'rtc-controls', 'rtc-chat', 'rtc-stats'], 'Recipes'] },
    },
    controls: { expanded: true },
    docs: {
      // Every story is a live call. Each gets its own frame on docs pages, so what one story does to the page
      // (a denied camera, a dropped relay connection) cannot leak into the others.
      story: { inline: false, iframeHeight: 560 },
    },
  },
};

export default preview;
