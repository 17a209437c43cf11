import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { AdaptiveLimit } from '../../../lib/util/adaptive-limit.js';

/**
 * A link simulated on a clock the test owns: each job needs `work` units; in every step of one time unit
 * the jobs in flight share `capacity` units (each gets at most one), so up to `capacity` jobs run at full
 * speed and more only split the pipe. Returns the limits seen and the most jobs ever in flight.
 */
async function simulate(
  limiter: (now: () => number) => AdaptiveLimit,
  link: { jobs: number; work: number; capacity: number | ((t: number) => number); pushbackAt?: (t: number, inFlight: number) => boolean },
) {
  let now = 0;
  const adaptive = limiter(() => now);
  const running = new Map<number, { left: number; done: () => void }>();
  let most = 0;
  const limits: number[] = [];
  const all = Array.from({ length: link.jobs }, (_, id) =>
    adaptive.run(
      () =>
        new Promise<void>((done) => {
          running.set(id, { left: link.work, done });
        }),
    ),
  );
  let finished = 0;
  void Promise.all(all).then(() => (finished = link.jobs));
  for (let guard = 0; finished < link.jobs && guard < 100_000; guard++) {
    await tick();
    most = Math.max(most, running.size);
    limits.push(adaptive.limit);
    if (running.size === 0) continue;
    const capacity = typeof link.capacity === 'number' ? link.capacity : link.capacity(now);
    const share = Math.min(1, capacity / running.size);
    now += 1;
    if (link.pushbackAt?.(now, running.size)) adaptive.pushback();
    for (const [id, job] of running) {
      job.left -= share;
      if (job.left <= 1e-9) {
        running.delete(id);
        job.done();
      }
    }
  }
  await Promise.all(all);
  return { limits, most, final: adaptive.limit, elapsed: now };
}

describe('AdaptiveLimit', { timeout: 20_000 }, () => {
  // invariant: while the link has room, more work in flight is kept; a step that gains nothing is undone
  it('doubles while the rate grows and settles between the capacity and twice it', async () => {
    const changes: string[] = [];
    const r = await simulate((now) => new AdaptiveLimit({ initial: 5, max: 64, now, onChange: (l, why) => changes.push(`${l} ${why}`) }), {
      jobs: 600,
      work: 10,
      capacity: 16,
    });
    assert.deepEqual(changes.slice(0, 4), ['10 faster', '20 faster', '40 faster', '20 no gain']);
    assert.ok(r.final >= 16 && r.final <= 32, `settled at ${r.final}`);
  });

  it('goes back to the start when the first step up gains nothing (a CPU-bound loopback)', async () => {
    const changes: string[] = [];
    const r = await simulate((now) => new AdaptiveLimit({ initial: 5, max: 32, now, onChange: (l, why) => changes.push(`${l} ${why}`) }), {
      jobs: 60,
      work: 10,
      capacity: 5,
    });
    assert.deepEqual(changes.slice(0, 3), ['10 faster', '5 no gain', '7 probe']);
    assert.ok(r.limits.slice(-10).every((l) => l <= 7));
  });

  // invariant: the user's --routines is a ceiling: never more images in flight than max, whatever the link
  it('never has more in flight than max, and stops doubling there', async () => {
    const r = await simulate((now) => new AdaptiveLimit({ initial: 5, max: 12, now }), { jobs: 300, work: 10, capacity: 1000 });
    assert.equal(r.most, 12);
    assert.equal(r.final, 12);
    assert.ok(r.limits.every((l) => l <= 12));
  });

  it('starts within [min, max] whatever it is given', () => {
    assert.equal(new AdaptiveLimit({ initial: 50, max: 8 }).limit, 8);
    assert.equal(new AdaptiveLimit({ initial: 0, max: 8 }).limit, 1);
    assert.equal(new AdaptiveLimit({ initial: 1, max: 8, min: 3 }).limit, 3);
  });

  // invariant: a registry that pushes back (429, 5xx) gets less work, once per window however many retries at once
  it('halves on a push-back, once per window, and not below min', async () => {
    const changes: string[] = [];
    const limiter = new AdaptiveLimit({ initial: 16, max: 16, min: 2, now: () => 0, onChange: (l, why) => changes.push(`${l} ${why}`) });
    limiter.pushback();
    limiter.pushback();
    limiter.pushback();
    assert.deepEqual(changes, ['8 push-back']);
    assert.equal(limiter.limit, 8);
    // at the floor a push-back changes nothing, and says nothing
    const low = new AdaptiveLimit({ initial: 1, max: 4, now: () => 0, onChange: () => assert.fail('no change at the floor') });
    low.pushback();
  });

  it('takes a push-back again once the next window has closed', async () => {
    const changes: string[] = [];
    const limiter = new AdaptiveLimit({ initial: 16, max: 16, now: () => 0, onChange: (l, why) => changes.push(`${l} ${why}`) });
    limiter.pushback();
    const release: Array<() => void> = [];
    const jobs = Array.from({ length: 8 }, () => limiter.run(() => new Promise<void>((r) => release.push(r))));
    await tick();
    for (const r of release.splice(0, 4)) r();
    await tick();
    limiter.pushback();
    assert.deepEqual(changes, ['8 push-back', '4 push-back']);
    for (const r of release.splice(0)) r();
    await Promise.all(jobs);
  });

  it('holds after a push-back instead of climbing straight back', async () => {
    const changes: string[] = [];
    let pushed = false;
    await simulate((now) => new AdaptiveLimit({ initial: 20, max: 64, now, onChange: (l, why) => changes.push(`${l} ${why}`) }), {
      jobs: 200,
      work: 10,
      capacity: 64,
      pushbackAt: (t) => !pushed && t === 5 && (pushed = true),
    });
    assert.equal(changes[0], '10 push-back');
    // a settled limit only probes again after REPROBE_WINDOWS windows, one quarter up
    assert.equal(changes[1], '13 probe');
  });

  it('does not let a window end on work that started before it (no mixed rates)', async () => {
    let now = 0;
    const changes: number[] = [];
    const limiter = new AdaptiveLimit({ initial: 4, max: 64, now: () => now, onChange: (l) => changes.push(l) });
    const release = new Map<number, () => void>();
    const jobs = Array.from({ length: 16 }, (_, id) => limiter.run(() => new Promise<void>((r) => release.set(id, r))));
    const finish = async (...ids: number[]) => {
      for (const id of ids) release.get(id)!();
      await tick();
      await tick();
    };
    await tick();
    assert.deepEqual([...release.keys()], [0, 1, 2, 3]);
    now = 10;
    await finish(0, 1, 2); // jobs 4-6 start at 10
    now = 15;
    await finish(3); // the first window closes: 8 in flight from 15 on (jobs 4-6 from before, 7-11 new)
    assert.deepEqual(changes, [8]);
    assert.deepEqual([...release.keys()].slice(4), [4, 5, 6, 7, 8, 9, 10, 11]);
    now = 20;
    // three jobs of the old window and three of the new: six completions, three counted, a window needs four
    await finish(4, 5, 6, 7, 8, 9);
    assert.deepEqual(changes, [8], 'work started before the window opened does not count in it');
    await finish(10);
    assert.deepEqual(changes, [8, 16], 'the fourth job of the window closes it');
    for (const id of release.keys()) release.get(id)!();
    await tick();
    for (const id of release.keys()) release.get(id)!();
    await Promise.all(jobs);
  });

  // invariant: a settled limit tries one step up after exactly REPROBE_WINDOWS (8) windows, never at its ceiling
  it('re-probes a settled limit after exactly eight windows, and never at the ceiling', async () => {
    /** Steps of a pipe of capacity 4: every step ends all work in flight, in 10 units per 4 jobs or fewer. */
    async function steps(max: number, count: number) {
      let now = 0;
      let step = 0;
      const changes: string[] = [];
      const limiter = new AdaptiveLimit({ initial: 4, max, now: () => now, onChange: (l, why) => changes.push(`${l} ${why} @${step}`) });
      const inFlight: Array<() => void> = [];
      const jobs = Array.from({ length: 400 }, () => limiter.run(() => new Promise<void>((r) => inFlight.push(r))));
      for (step = 1; step <= count; step++) {
        await tick();
        now += 10 * Math.max(1, inFlight.length / 4);
        for (const done of inFlight.splice(0)) done();
        await tick();
      }
      for (let guard = 0; guard < 1000 && inFlight.length; guard++) {
        for (const done of inFlight.splice(0)) done();
        await tick();
      }
      await Promise.all(jobs);
      return changes;
    }
    // one window a step: 8 gains nothing at a capacity of 4, then 4 holds for 8 windows, then 5 is tried
    assert.deepEqual((await steps(64, 12)).slice(0, 3), ['8 faster @1', '4 no gain @2', '5 probe @10']);
    // at a ceiling of 4 the first window settles, and no probe ever goes above it
    assert.deepEqual(await steps(4, 12), []);
  });

  describe('stage', () => {
    /** 20 jobs that each enter (unless `skip` says not) and then wait for the test; counts started and entered. */
    function staged(limiter: AdaptiveLimit, skip: (i: number) => boolean = () => false) {
      const seen = { started: 0, entered: 0, mostEntered: 0 };
      const finish: Array<() => void> = [];
      const jobs = Array.from({ length: 20 }, (_, i) =>
        limiter.stage(async (enter) => {
          seen.started += 1;
          if (skip(i)) return;
          await tick(); // the light part: the job enters after an await, as an image after its manifests
          const release = await enter();
          seen.entered += 1;
          seen.mostEntered = Math.max(seen.mostEntered, seen.entered);
          await new Promise<void>((r) => finish.push(r));
          seen.entered -= 1;
          release();
          release(); // a second release is a no-op
        }),
      );
      return { seen, finish, jobs };
    }

    /** Lets every job finish, those that enter later included. */
    async function drain({ finish, jobs }: { finish: Array<() => void>; jobs: Promise<void>[] }) {
      let done = false;
      void Promise.all(jobs).then(() => (done = true));
      for (let guard = 0; !done && guard < 1000; guard++) {
        for (const f of finish.splice(0)) f();
        await tick();
      }
      await Promise.all(jobs);
    }

    // invariant: with lookahead, `limit` jobs run their heavy part and at most `limit` more start ahead
    it('starts as many jobs again as the limit ahead of a slot, and enters at most the limit', async () => {
      const run = staged(new AdaptiveLimit({ initial: 4, max: 4, lookahead: true }));
      const { seen, finish } = run;
      await tick();
      await tick();
      assert.deepEqual({ started: seen.started, entered: seen.entered }, { started: 8, entered: 4 });
      for (const done of finish.splice(0, 2)) done();
      await tick();
      await tick();
      await tick();
      // two slots freed: two waiting jobs entered, two more started behind them
      assert.deepEqual({ started: seen.started, entered: seen.entered }, { started: 10, entered: 4 });
      await drain(run);
      assert.equal(seen.mostEntered, 4);
    });

    it('without lookahead starts no more jobs than the limit', async () => {
      const run = staged(new AdaptiveLimit({ initial: 4, max: 4 }));
      await tick();
      await tick();
      assert.deepEqual({ started: run.seen.started, entered: run.seen.entered }, { started: 4, entered: 4 });
      await drain(run);
    });

    it('starts jobs ahead at once when the look-ahead is turned on during a run', async () => {
      const limiter = new AdaptiveLimit({ initial: 2, max: 2 });
      const run = staged(limiter);
      for (let i = 0; i < 5; i++) await tick();
      assert.deepEqual({ started: run.seen.started, entered: run.seen.entered }, { started: 2, entered: 2 });
      limiter.setLookahead(true);
      await tick();
      assert.deepEqual({ started: run.seen.started, entered: run.seen.entered }, { started: 4, entered: 2 });
      await drain(run);
    });

    // a job that never enters (an image already at the target) takes no slot: all of them pass while the slots are held
    it('lets jobs that never enter pass while every slot is held', async () => {
      const run = staged(new AdaptiveLimit({ initial: 2, max: 2, lookahead: true }), (i) => i >= 2);
      for (let i = 0; i < 30; i++) await tick();
      assert.deepEqual({ started: run.seen.started, entered: run.seen.entered }, { started: 20, entered: 2 });
      await drain(run);
    });

    // a no-op run (every image already there) must still adapt: its images are all the rate there is
    it('counts jobs that never enter as completions: a run of them still adapts the limit', async () => {
      let now = 0;
      const changes: string[] = [];
      const limiter = new AdaptiveLimit({ initial: 4, max: 8, lookahead: true, now: () => now, onChange: (l, why) => changes.push(`${l} ${why}`) });
      await Promise.all(
        Array.from({ length: 40 }, () =>
          limiter.stage(async () => {
            await tick();
            now += 1;
          }),
        ),
      );
      // the first window doubles; this clock gives the second no gain, so it goes back
      assert.deepEqual(changes, ['8 faster', '4 no gain']);
    });

    it('releases the slot of a job that ends without releasing it', async () => {
      const limiter = new AdaptiveLimit({ initial: 1, max: 1, lookahead: true });
      await limiter.stage(async (enter) => {
        await enter();
      });
      let entered = false;
      await limiter.stage(async (enter) => {
        await enter();
        entered = true;
      });
      assert.equal(entered, true);
    });
  });
});
