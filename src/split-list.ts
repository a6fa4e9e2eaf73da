/** `a, b,,c` → ['a', 'b', 'c']: split, trim, drop empty entries (model lists, groups, key lines, status ranges). */
export const splitList = (text: string, separator: string | RegExp = ','): string[] =>
  text.split(separator).map((part) => part.trim()).filter(Boolean)
