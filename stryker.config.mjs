// Mutation testing of the core library against the unit tests: `npm run mutate` (docs/mutation-testing.md).
// Not in CI: a full run takes hours on two cores. Incremental: a re-run only mutates what changed
// since the results recorded in reports/stryker-incremental.json (committed).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: ['lib/{oci,copy,http,registry,util,planner,rules,credentials}/**/*.ts', '!lib/**/index.ts', '!lib/**/*.d.ts'],
  // node:test files run one process each (node prints TAP when its output is not a terminal); with
  // per-test coverage each mutant runs only the test files that load or reach its code. The sandbox is
  // transpiled once (scripts/mutate-build.mjs), so each file runs on plain node, without tsx.
  testRunner: 'tap',
  buildCommand: 'node scripts/mutate-build.mjs',
  tap: {
    testFiles: ['test/unit/**/*.test.ts'],
    nodeArgs: ['-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  coverageAnalysis: 'perTest',
  // mutants that do not compile are discarded before any test runs
  checkers: ['typescript'],
  // lib only: a mutant is discarded when it does not compile where it is; tests run it regardless
  tsconfigFile: 'tsconfig.mutate.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  timeoutMS: 10_000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // break: the overall score of the last recorded run (docs/mutation-testing.md); raise it, never lower it
  thresholds: { high: 80, low: 60, break: 93 },
};
