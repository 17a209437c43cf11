import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedupeTasks, expandRule, taskIdOf, type TransferTask } from '../../../lib/planner/index.js';
import type { Rule, TagSelection } from '../../../lib/rules/index.js';

const rule = (selection: TagSelection, targetTag?: string): Rule => ({
  id: 'rule-1',
  sourceText: 'src',
  targetText: 'dst',
  source: { registry: 'src.example.com', repository: 'team/app', selection },
  target: { registry: 'dst.example.com', repository: 'mirror/app', ...(targetTag ? { tag: targetTag } : {}) },
});
const refs = (tasks: TransferTask[]) => tasks.map((t) => `${t.rule.source} -> ${t.rule.target} ${t.overwrite}`);
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('expandRule (version 1 rules)', () => {
  it('copies one named tag to the target tag, or to the same tag when the target names none', () => {
    const opts = { runId: 'r1', tagExistOverridden: false };
    assert.deepEqual(refs(expandRule(rule({ kind: 'tags', tags: ['v1'] }, 'stable'), undefined, opts)), [
      'src.example.com/team/app:v1 -> dst.example.com/mirror/app:stable if-changed',
    ]);
    assert.deepEqual(refs(expandRule(rule({ kind: 'tags', tags: ['v1'] }), undefined, opts)), [
      'src.example.com/team/app:v1 -> dst.example.com/mirror/app:v1 if-changed',
    ]);
  });

  // invariant: --tag-exist-overridden=false leaves existing target tags alone for tag lists and whole
  // repositories, never for a single named image (the original tool's behaviour)
  it('writes "never" for tag lists and whole repositories when tags must not be overridden, "if-changed" otherwise', () => {
    const keep = { runId: 'r1', tagExistOverridden: false };
    const replace = { runId: 'r1', tagExistOverridden: true };
    const list = rule({ kind: 'tags', tags: ['v1', 'v2'] }, 'ignored');
    assert.deepEqual(refs(expandRule(list, undefined, keep)), [
      'src.example.com/team/app:v1 -> dst.example.com/mirror/app:v1 never',
      'src.example.com/team/app:v2 -> dst.example.com/mirror/app:v2 never',
    ]);
    assert.deepEqual(
      expandRule(list, undefined, replace).map((t) => t.overwrite),
      ['if-changed', 'if-changed'],
    );
    assert.deepEqual(refs(expandRule(rule({ kind: 'all' }), ['a', 'b'], keep)), [
      'src.example.com/team/app:a -> dst.example.com/mirror/app:a never',
      'src.example.com/team/app:b -> dst.example.com/mirror/app:b never',
    ]);
    assert.deepEqual(
      expandRule(rule({ kind: 'all' }), ['a'], replace).map((t) => t.overwrite),
      ['if-changed'],
    );
    assert.deepEqual(expandRule(rule({ kind: 'all' }), undefined, keep), [], 'no tags listed: nothing to copy');
  });

  it('keeps a digest source by digest, addressed at the target by its tag, the source tag, or the digest', () => {
    const opts = { runId: 'r1', tagExistOverridden: false };
    assert.deepEqual(refs(expandRule(rule({ kind: 'digest', digest: DIGEST }), undefined, opts)), [
      `src.example.com/team/app@${DIGEST} -> dst.example.com/mirror/app@${DIGEST} if-changed`,
    ]);
    assert.deepEqual(refs(expandRule(rule({ kind: 'digest', digest: DIGEST, tag: 'v1' }), undefined, opts)), [
      `src.example.com/team/app@${DIGEST} -> dst.example.com/mirror/app:v1 if-changed`,
    ]);
    assert.deepEqual(refs(expandRule(rule({ kind: 'digest', digest: DIGEST, tag: 'v1' }, 'prod'), undefined, opts)), [
      `src.example.com/team/app@${DIGEST} -> dst.example.com/mirror/app:prod if-changed`,
    ]);
  });

  it('gives each task the run id and the deterministic id of its source and target', () => {
    const [task] = expandRule(rule({ kind: 'tags', tags: ['v1'] }), undefined, { runId: 'run-7', tagExistOverridden: true });
    assert.equal(task!.runId, 'run-7');
    assert.equal(task!.taskId, taskIdOf(task!.source, task!.target));
    assert.match(task!.taskId, /^[a-f0-9]{16}$/);
  });
});

describe('dedupeTasks', () => {
  // invariant: one target is written by one task: the first rule wins, later different sources are reported
  it('keeps the first task for a target and reports later tasks with another source as duplicates', () => {
    const opts = { runId: 'r1', tagExistOverridden: true };
    const [first] = expandRule(rule({ kind: 'tags', tags: ['v1'] }), undefined, opts);
    const same = { ...first! };
    const other = { ...first!, source: { ...first!.source, repository: 'team/other' }, taskId: 'ffffffffffffffff' };
    const [elsewhere] = expandRule({ ...rule({ kind: 'tags', tags: ['v2'] }) }, undefined, opts);
    const { tasks, duplicates } = dedupeTasks([first!, same, other, elsewhere!]);
    assert.deepEqual(tasks, [first, elsewhere]);
    assert.deepEqual(duplicates, [other], 'the very same task twice is not a conflict');
  });
});
