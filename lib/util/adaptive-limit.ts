/** A step up must raise the completion rate by this factor to be kept. */
const GAIN = 1.2;
/** Windows at a settled limit before one step up is tried again (the link or the registry may have changed). */
const REPROBE_WINDOWS = 8;
/** A window is at least this many completions, however low the limit. */
const MIN_WINDOW = 4;

export type LimitChange = 'faster' | 'no gain' | 'push-back' | 'probe';

export interface AdaptiveLimitOptions {
  readonly initial: number;
  /** Never more work in flight than this (the user's `--routines` when given). */
  readonly max: number;
  /** @default 1 */
  readonly min?: number;
  /** @default performance.now */
  readonly now?: () => number;
  /** Every change of the limit, with its reason. */
  readonly onChange?: (limit: number, reason: LimitChange) => void;
  /** `stage` starts up to twice the limit, the second half waiting at `enter` (see `stage`). @default false */
  readonly lookahead?: boolean;
}

/**
 * Work in flight that adapts to what the work gets back, as TCP's window does. It starts at `initial` and
 * doubles while each doubling raises the completion rate by GAIN; the first step that does not goes back
 * and the limit settles there. A push-back (a retry of a registry request: 429, 5xx, a timeout, a reset)
 * halves it, at most once a window. A settled limit tries one step up every REPROBE_WINDOWS windows.
 *
 * A window counts only the work that started after it opened, and closes after half the limit of such
 * completions (at least MIN_WINDOW): its rate is then that of the current limit, not a mix with the one before.
 * Work that never ends never closes a window: the limit only changes on completions and push-backs.
 *
 * `stage` adds a look-ahead: work that starts with a light part (an image's manifests) and then enters the
 * limit for its heavy part (its blobs), so that when a slot frees, the next heavy part is ready to begin.
 */
export class AdaptiveLimit {
  private value: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private staged = 0;
  private readonly stageWaiting: Array<() => void> = [];
  private readonly min: number;
  private readonly now: () => number;
  private window = { opened: 0, completions: 0, pushedBack: false };
  /** The rate of the last kept limit, while stepping up. */
  private probe: { rate: number; limit: number } | undefined;
  private settledWindows = 0;
  private probing = true;
  private lookahead: boolean;

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.min = Math.max(1, options.min ?? 1);
    this.now = options.now ?? (() => performance.now());
    this.value = clamp(options.initial, this.min, options.max);
    this.lookahead = options.lookahead ?? false;
    this.window.opened = this.now();
  }

  get limit(): number {
    return this.value;
  }

  /** Turns the look-ahead on or off (AdaptiveLimitOptions.lookahead), e.g. once the run knows how far its registries are. */
  setLookahead(on: boolean): void {
    this.lookahead = on;
    this.admit();
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.enter();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Runs `fn` as one of at most `limit` started jobs or, with `lookahead`, beside at most `limit` started
   * jobs that have not entered (so that at most `limit` read ahead while `limit` run). `fn` calls `enter`
   * before its heavy part: it waits for one of the `limit` slots and resolves to the slot's release, which
   * `fn` may call early (again is a no-op) and `fn`'s end calls otherwise. Entered work is counted for the
   * rate from its entry; work that never enters (an image already at the target) holds only its start and
   * is counted from it.
   */
  async stage<T>(fn: (enter: () => Promise<() => void>) => Promise<T>): Promise<T> {
    if (!this.stageOpen) await new Promise<void>((resolve) => this.stageWaiting.push(resolve));
    else this.staged += 1;
    const started = this.now();
    let entered: Promise<() => void> | undefined;
    try {
      return await fn(() => {
        entered ??= this.enter();
        return entered;
      });
    } finally {
      if (entered) (await entered)();
      // work that never entered (an image already there) is counted as it was started: on a no-op run
      // its rate is the only one there is
      else this.completed(started);
      this.staged -= 1;
      this.admit();
    }
  }

  /** Another job may start: fewer than `limit` started jobs have not entered (with `lookahead`), or fewer than `limit` started. */
  private get stageOpen(): boolean {
    return this.lookahead ? this.staged - this.active < this.value : this.staged < this.value;
  }

  private async enter(): Promise<() => void> {
    if (this.active >= this.value) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else {
      this.active += 1;
      // a job that entered no longer reads ahead: another may start in its place
      this.admit();
    }
    const started = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.completed(started);
      this.admit();
    };
  }

  /** The registry or the link pushed back: halve the work in flight, at most once a window. */
  pushback(): void {
    if (this.window.pushedBack) return;
    this.settle();
    this.change(Math.floor(this.value / 2), 'push-back');
    this.window.pushedBack = true;
  }

  private completed(started: number): void {
    if (started < this.window.opened) return;
    this.window.completions += 1;
    if (this.window.completions < Math.max(MIN_WINDOW, Math.ceil(this.value / 2))) return;
    const rate = this.window.completions / Math.max(1, this.now() - this.window.opened);
    this.decide(rate);
    this.openWindow();
  }

  private decide(rate: number): void {
    if (this.probing) {
      if (!this.probe || rate >= this.probe.rate * GAIN) {
        this.probe = { rate, limit: this.value };
        if (this.value < this.options.max) this.change(this.value * 2, 'faster');
        else this.settle();
        return;
      }
      const back = this.probe.limit;
      this.settle();
      this.change(back, 'no gain');
      return;
    }
    this.settledWindows += 1;
    if (this.settledWindows < REPROBE_WINDOWS || this.value >= this.options.max) return;
    this.probing = true;
    this.probe = { rate, limit: this.value };
    this.change(Math.ceil(this.value * 1.25), 'probe');
  }

  private settle(): void {
    this.probing = false;
    this.probe = undefined;
    this.settledWindows = 0;
  }

  private change(next: number, reason: LimitChange): void {
    const value = clamp(next, this.min, this.options.max);
    if (value === this.value) return;
    this.value = value;
    this.openWindow();
    this.options.onChange?.(value, reason);
    this.admit();
  }

  private openWindow(): void {
    this.window = { opened: this.now(), completions: 0, pushedBack: false };
  }

  private admit(): void {
    while (this.active < this.value && this.waiting.length > 0) {
      this.active += 1;
      this.waiting.shift()!();
    }
    while (this.stageOpen && this.stageWaiting.length > 0) {
      this.staged += 1;
      this.stageWaiting.shift()!();
    }
  }
}

const clamp = (n: number, min: number, max: number): number => Math.min(Math.max(Math.round(n), min), Math.max(min, max));
