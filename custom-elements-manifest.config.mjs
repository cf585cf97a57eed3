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

/** A source path as the package ships it: `src/components/call/call.ts` → `dist/lib/src/components/call/call.js`. */
const shipped = (path) => path.replace(/^src\/(.*)\.ts$/, 'dist/lib/src/$1.js');

/**
 * Points every module and reference at the files the package ships (src/ is not in it), and adds the
 * `custom-element-definition` export of each element: its tag, registered by `rtc-kit` and `rtc-kit/define`.
 */
const shippedPaths = {
  name: 'rtc-kit-shipped-paths',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? [])
        if (declaration.tagName)
          (module.exports ??= []).push({
            kind: 'custom-element-definition',
            name: declaration.tagName,
            declaration: { name: declaration.name, module: module.path },
          });
      const relink = (node) => {
        if (!node || typeof node !== 'object') return;
        if (typeof node.module === 'string') node.module = shipped(node.module);
        for (const value of Object.values(node)) relink(value);
      };
      relink(module.declarations);
      relink(module.exports);
      module.path = shipped(module.path);
    }
  },
};

export default {
  globs: ['src/components/**/*.ts'],
  exclude: ['src/components/**/*.styles.ts', 'src/components/**/define.ts'],
  outdir: '.',
  litelement: true,
  plugins: [documentedEventsOnly, shippedPaths],
};
