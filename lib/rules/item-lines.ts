/**
 * Lines of the items of a top-level list (`rules:` in a version-2 file) and of fields inside them,
 * found by indentation in the text: enough for messages, which is all it is used for.
 */
export interface ItemLines {
  /** 1-based line of item `index`, or of its `field` (a key at any depth inside the item). */
  lineOf(index: number, field?: string): number | undefined;
}

export function listItemLines(text: string, key: string): ItemLines {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => new RegExp(`^["']?${key}["']?\\s*:`).test(l));
  const starts: number[] = [];
  let end = lines.length;
  let indent: number | undefined;
  for (let i = head + 1; head >= 0 && i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const own = line.length - line.trimStart().length;
    if (own === 0 && !line.startsWith('-')) {
      end = i;
      break;
    }
    const item = /^(\s*)-(\s|$)/.exec(line);
    if (item && (indent === undefined || item[1]!.length === indent)) {
      indent = item[1]!.length;
      starts.push(i);
    }
  }
  return {
    lineOf(index, field) {
      const start = starts[index];
      if (start === undefined) return head >= 0 ? head + 1 : undefined;
      if (field === undefined) return start + 1;
      const stop = starts[index + 1] ?? end;
      const pattern = new RegExp(`^\\s*(-\\s+)?["']?${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
      for (let i = start; i < stop; i++) if (pattern.test(lines[i]!)) return i + 1;
      return start + 1;
    },
  };
}
