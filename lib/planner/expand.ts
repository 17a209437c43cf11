import type { Rule } from '../rules/index.js';
import { formatEndpoint, taskIdOf, type Endpoint, type TransferTask } from './task.js';

export interface ExpandOptions {
  readonly runId: string;
  /** The original `--tag-exist-overridden`: false leaves existing tags alone for tag-list rules. @default true */
  readonly tagExistOverridden: boolean;
}

/**
 * Pure: one rule plus the source's tags (needed only for whole-repository rules) -> tasks.
 * Digest sources keep the digest; a tagless target of a digest source is addressed by digest.
 */
export function expandRule(rule: Rule, sourceTags: readonly string[] | undefined, options: ExpandOptions): TransferTask[] {
  const sel = rule.source.selection;
  const src = (reference: string): Endpoint => ({ registry: rule.source.registry, repository: rule.source.repository, reference });
  const dst = (reference: string): Endpoint => ({ registry: rule.target.registry, repository: rule.target.repository, reference });
  const many = sel.kind === 'all' || (sel.kind === 'tags' && sel.tags.length > 1);
  const overwrite = many && !options.tagExistOverridden ? 'never' : 'if-changed';
  const make = (s: Endpoint, t: Endpoint): TransferTask => ({
    runId: options.runId,
    taskId: taskIdOf(s, t),
    source: s,
    target: t,
    overwrite,
    rule: { source: formatEndpoint(s), target: formatEndpoint(t) },
  });
  if (sel.kind === 'digest') return [make(src(sel.digest), dst(rule.target.tag ?? sel.tag ?? sel.digest))];
  const tags = sel.kind === 'all' ? (sourceTags ?? []) : sel.tags;
  return tags.map((tag) => make(src(tag), dst(sel.kind === 'tags' && sel.tags.length === 1 ? (rule.target.tag ?? tag) : tag)));
}

/** Removes tasks that would write the same target twice (first rule wins), returning the duplicates. */
export function dedupeTasks(tasks: readonly TransferTask[]): { tasks: TransferTask[]; duplicates: TransferTask[] } {
  const seen = new Map<string, TransferTask>();
  const duplicates: TransferTask[] = [];
  for (const task of tasks) {
    const key = formatEndpoint(task.target);
    const first = seen.get(key);
    if (!first) seen.set(key, task);
    else if (first.taskId !== task.taskId) duplicates.push(task);
  }
  return { tasks: [...seen.values()], duplicates };
}
