/** Which tags of a repository a version-2 rule copies; every part is optional and they combine (AND). */
export interface TagFilter {
  /** Explicit tags (the candidates instead of every tag of the repository). */
  readonly list?: readonly string[];
  /** Anchored regular expressions: a tag must match one of `include` and none of `exclude`. */
  readonly include?: readonly RegExp[];
  readonly exclude?: readonly RegExp[];
  /** A semver range (`>=1.2 <2`); tags that are not versions (`v1.2.3` and `1.2` are) never match. */
  readonly semver?: string;
  readonly prerelease: boolean;
  /** Keep the newest N after the other filters, by `sortBy`. */
  readonly latest?: number;
  readonly sortBy: 'semver' | 'pushed';
  /** Only images created within this many milliseconds (the image config's `created`). */
  readonly pushedWithinMs?: number;
}

/** A registry-wide source: the repositories `/v2/_catalog` lists under `prefix`, filtered. */
export interface CatalogSelection {
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
}

/** One rule of a `version: 2` rule file, validated, with the file's defaults applied. */
export interface RuleV2 {
  readonly version: 2;
  /** `rule-<n>`, 1-based position in the file, for messages. */
  readonly id: string;
  readonly line?: number;
  readonly sourceText: string;
  readonly targetText: string;
  /** `repository` is the repository, or for a catalog source the path prefix ('' = the whole registry). */
  readonly source: { readonly registry: string; readonly repository: string; readonly catalog?: CatalogSelection };
  /** The target repository as a template over the source repository (see lib/planner/template.ts). */
  readonly target: { readonly registry: string; readonly repositoryTemplate: string };
  /** Absent with `digests`: only those digests; absent without: every tag. */
  readonly tags?: TagFilter;
  readonly digests?: readonly string[];
  /** Absent: every platform, digests preserved. */
  readonly platforms?: readonly string[];
  readonly overwrite: 'always' | 'never' | 'if-changed';
  /** Tag template for the image an overwrite replaces (`{{tag}}`, `{{date}}`, `{{datetime}}`). */
  readonly backup?: string;
  readonly referrers?: { readonly artifactTypes?: readonly string[] };
  /** The rule as written, with the file's defaults merged in: what failed.yaml repeats. */
  readonly raw: Readonly<Record<string, unknown>>;
}
