/** What the engine reports while it works; the library never logs, callers turn these into progress. */
export type CopyEvent =
  | { readonly type: 'blob'; readonly action: 'skipped' | 'mounted' | 'copied'; readonly digest: string; readonly size: number }
  | { readonly type: 'bytes'; readonly bytes: number }
  | { readonly type: 'manifest'; readonly digest: string; readonly reference: string; readonly mediaType: string }
  | { readonly type: 'resumed'; readonly digest: string; readonly offset: number }
  | { readonly type: 'retry'; readonly digest: string; readonly attempt: number; readonly reason: string };

export type CopyObserver = (event: CopyEvent) => void;
