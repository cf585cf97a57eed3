/** The parts of a custom-elements.json (schema 2.x) the API tables read. */
interface Member {
  name: string;
  kind?: string;
  privacy?: string;
  static?: boolean;
  description?: string;
}

interface Attribute {
  name: string;
  fieldName?: string;
  description?: string;
}

interface Declaration {
  customElement?: boolean;
  tagName?: string;
  members?: Member[];
  attributes?: Attribute[];
}

export interface Manifest {
  schemaVersion?: string;
  modules: { declarations?: Declaration[] }[];
}

/**
 * Readies `custom-elements.json` for Storybook's API tables. The analyzer lists every class member, `#private`
 * ones and undocumented `@state()` fields included, and lists each reactive property twice (as the attribute and
 * as the field). The tables keep the attributes (they are what controls set), name the matching property in the
 * attribute's description, and keep only documented public fields that have no attribute (`actor`, `peers`…).
 *
 * @example
 * setCustomElementsManifest(forStorybook(manifest));
 */
export function forStorybook<T extends Manifest>(manifest: T): T {
  return {
    ...manifest,
    modules: manifest.modules.map((module) => ({
      ...module,
      declarations: module.declarations?.map((declaration) =>
        declaration.customElement ? tidyElement(declaration) : declaration,
      ),
    })),
  };
}

function tidyElement(declaration: Declaration): Declaration {
  const attributes = declaration.attributes ?? [];
  const fields = new Set(attributes.map((attribute) => attribute.fieldName));
  return {
    ...declaration,
    attributes: attributes.map((attribute) =>
      attribute.fieldName && attribute.fieldName !== attribute.name
        ? { ...attribute, description: `${attribute.description ?? ''} Property: \`${attribute.fieldName}\`.`.trim() }
        : attribute,
    ),
    members: (declaration.members ?? []).filter(
      (member) =>
        member.kind === 'field' &&
        !member.static &&
        member.privacy !== 'private' &&
        member.privacy !== 'protected' &&
        !member.name.startsWith('#') &&
        !fields.has(member.name) &&
        !!member.description,
    ),
  };
}
