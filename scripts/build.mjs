// Bundles the CLI into dist/cli.mjs (run by `npm ci` through `prepare`, so a fresh clone has a working bin).
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const entry = 'lib/cli/main.ts';
if (existsSync(entry)) {
  await build({
    entryPoints: [entry],
    outfile: 'dist/cli.mjs',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    banner: {
      js: "#!/usr/bin/env -S node --liftoff-only --max-semi-space-size=1\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync('dist/cli.mjs', 0o755);
}
