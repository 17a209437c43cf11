import type { EventType, State } from 'js-yaml';

/**
 * Line (1-based) of a key for messages: `lineOf(key)` finds a top-level map key, `[i]` a top-level
 * list item, any other string the first scalar equal to it; `lineOf(key, child)` finds `child`
 * (a key or value at any depth) inside the top-level entry `key`.
 */
export type LineOf = (key: string, child?: string) => number | undefined;

interface Node {
  readonly start: number;
  readonly depth: number;
  readonly text?: string;
  readonly isKey: boolean;
}

/** Collects node positions through js-yaml's `listener` while the file is parsed. */
export function createLineRecorder(text: string): {
  listener: (event: EventType, state: State) => void;
  lineOf: LineOf;
} {
  const nodes: Node[] = [];
  const open: number[] = [];
  let rootKind: string | undefined;
  const listener = (event: EventType, state: State): void => {
    if (event === 'open') {
      open.push(skipBlanks(text, state.position));
      return;
    }
    const start = open.pop() ?? state.position;
    const depth = open.length + 1;
    if (depth === 1) rootKind = state.kind;
    const value: unknown = state.result;
    const isKey = /^[ \t]*:/.test(text.slice(state.position, state.position + 64));
    nodes.push({ start, depth, ...(typeof value === 'string' ? { text: value } : {}), isKey });
  };
  const lineOf = lineLookup(text, nodes, () => rootKind);
  return { listener, lineOf };
}

function skipBlanks(text: string, position: number): number {
  let p = position;
  while (text[p] === ' ' || text[p] === '\t') p += 1;
  return p;
}

interface Index {
  readonly sorted: Node[];
  readonly starts: number[];
  readonly top: Node[];
  readonly topPosition: Map<Node, number>;
  readonly topKeys: Map<string, Node>;
  readonly firstKey: Map<string, Node>;
  readonly firstAny: Map<string, Node>;
}

function buildIndex(nodes: Node[], rootKind: string | undefined): Index {
  const sorted = nodes.slice().sort((a, b) => a.start - b.start || a.depth - b.depth);
  const top = topLevelEntries(sorted, rootKind);
  const firstOf = (list: Node[]): Map<string, Node> => {
    const map = new Map<string, Node>();
    for (const n of list) if (n.text !== undefined && !map.has(n.text)) map.set(n.text, n);
    return map;
  };
  return {
    sorted,
    starts: sorted.map((n) => n.start),
    top,
    topPosition: new Map(top.map((n, i) => [n, i])),
    topKeys: firstOf(top.filter((n) => n.isKey)),
    firstKey: firstOf(sorted.filter((n) => n.isKey)),
    firstAny: firstOf(sorted),
  };
}

function lineLookup(text: string, nodes: Node[], rootKind: () => string | undefined): LineOf {
  let starts: number[] | undefined;
  let index: Index | undefined;
  const lineAt = (offset: number): number => {
    starts ??= lineStarts(text);
    return upperBound(starts, offset);
  };
  return (key, child) => {
    index ??= buildIndex(nodes, rootKind());
    const { sorted, top } = index;
    const item = /^\[(\d+)\]$/.exec(key);
    const entry = item ? top[Number(item[1])] : index.topKeys.get(key);
    if (child === undefined) {
      const found = entry ?? index.firstKey.get(key) ?? index.firstAny.get(key);
      return found ? lineAt(found.start) : undefined;
    }
    if (!entry) return undefined;
    const next = top[(index.topPosition.get(entry) ?? top.length) + 1];
    for (let i = lowerBound(index.starts, entry.start); i < sorted.length; i += 1) {
      const n = sorted[i]!;
      if (next !== undefined && n.start >= next.start) break;
      if (n.depth > 2 && n.isKey && n.text === child) return lineAt(n.start);
    }
    return lineAt(entry.start);
  };
}

function lowerBound(values: readonly number[], x: number): number {
  return upperBound(values, x - 1);
}

/** Number of elements of the ascending `values` that are <= `x` (1-based line of an offset). */
function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Items of a top-level list, or the keys of a top-level map, in file order. */
function topLevelEntries(sorted: Node[], rootKind: string | undefined): Node[] {
  const children = sorted.filter((n) => n.depth === 2);
  if (rootKind === 'sequence') return dedupeByStart(children);
  return children.filter((n) => n.isKey);
}

/** An anchored item is reported twice at the same position; keep one. */
function dedupeByStart(nodes: Node[]): Node[] {
  return nodes.filter((n, i) => i === 0 || nodes[i - 1]!.start !== n.start);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}
