/**
 * `{{name}}` placeholders (spaces allowed inside the braces). Pure; unknown names are reported by
 * `templateProblem` when the rule file is read, so rendering never meets one.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Variables of a target repository template. */
export const REPOSITORY_VARS = ['registry', 'repository', 'path', 'namespace', 'name'] as const;
/** Variables of a backup tag template. */
export const BACKUP_VARS = ['tag', 'date', 'datetime'] as const;

export function hasPlaceholders(text: string): boolean {
  return /\{\{/.test(text);
}

export function render(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => vars[name] ?? '');
}

/** The first problem of a template: an unknown variable or unbalanced braces. */
export function templateProblem(template: string, allowed: readonly string[]): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!allowed.includes(m[1]!)) return `unknown placeholder {{${m[1]}}} (expected ${allowed.map((v) => `{{${v}}}`).join(', ')})`;
  }
  if (/\{\{|\}\}/.test(template.replace(PLACEHOLDER, ''))) return 'unbalanced {{ }} in the template';
  return undefined;
}

/**
 * Variables of a source repository: `repository` the full path, `path` the part below the rule's
 * source prefix (= repository when there is none), `namespace` all but the last component, `name` the last.
 */
export function repositoryVars(registry: string, repository: string, prefix: string): Record<string, string> {
  const parts = repository.split('/');
  const path = prefix && repository.startsWith(`${prefix}/`) ? repository.slice(prefix.length + 1) : repository;
  return { registry, repository, path, namespace: parts.slice(0, -1).join('/'), name: parts.at(-1) ?? repository };
}

/** `date` = YYYYMMDD and `datetime` = YYYYMMDDhhmmss, in UTC, of the plan time. */
export function backupVars(tag: string, at: Date): Record<string, string> {
  const iso = at.toISOString().replace(/[-:T]/g, '');
  return { tag, date: iso.slice(0, 8), datetime: iso.slice(0, 14) };
}

/** A rendered repository path: empty components (an empty `{{namespace}}`) collapse. */
export function renderRepository(template: string, vars: Readonly<Record<string, string>>): string {
  return render(template, vars)
    .replace(/\/{2,}/g, '/')
    .replace(/^\/|\/$/g, '');
}
