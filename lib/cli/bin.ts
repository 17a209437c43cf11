import { escapeControl } from '../util/escape-control.js';
import { redact } from '../util/redact.js';
import { main } from './main.js';

// The executable: whatever name it is started by (bin link, npx, node dist/cli.cjs), it runs main().

// a closed pipe (`image-transfer --help | head`) is not an error worth a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`image-transfer: ${escapeControl(redact(String(err)))}\n`);
    process.exitCode = 1;
  },
);
