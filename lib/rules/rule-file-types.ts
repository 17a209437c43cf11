/** Which images of the source repository a rule copies. */
export type TagSelection = { kind: 'all' } | { kind: 'tags'; tags: string[] } | { kind: 'digest'; digest: string; tag?: string };

export interface RuleSource {
  readonly registry: string;
  readonly repository: string;
  readonly selection: TagSelection;
}

/** `tag` only when the target text names one; otherwise the source tag (or digest) is kept. */
export interface RuleTarget {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
}

export interface Rule {
  /** `rule-<n>`, 1-based position among the file's rules (one per target), for messages. */
  readonly id: string;
  readonly line?: number;
  readonly sourceText: string;
  readonly targetText: string;
  readonly source: RuleSource;
  readonly target: RuleTarget;
}

export interface RuleDefaults {
  /** `--registry`: where rules with an empty target go; `host[:port]`, optionally with a path prefix. */
  readonly defaultRegistry?: string;
  /** `--ns`: replaces the first path component of the source repository in default targets. */
  readonly defaultNamespace?: string;
}
