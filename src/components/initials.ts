/**
 * Up to two initials of a display name, for avatars: `Ada Lovelace` → `AL`, `` → `?`.
 *
 * @example
 * initials('Grace Brewster Hopper'); // 'GB'
 */
export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('') || '?';
