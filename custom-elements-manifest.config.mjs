// custom-elements.json is generated from the elements' JSDoc: `npm run build` runs the analyzer.
// Elements are registered in separate define.ts files (for scoped registries), so each class names its tag
// with @tagname.

/** Keeps only the documented `rtc-*` events: the analyzer also guesses names from `dispatchEvent(new X(a))`. */
const documentedEventsOnly = {
  name: 'rtc-kit-documented-events',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules)
      for (const declaration of module.declarations ?? [])
        if (declaration.events) declaration.events = declaration.events.filter((e) => e.name?.startsWith('rtc-'));
  },
};

export default {
  globs: ['src/components/**/*.ts'],
  exclude: ['src/components/**/*.styles.ts', 'src/components/**/define.ts'],
  outdir: '.',
  litelement: true,
  plugins: [documentedEventsOnly],
};
