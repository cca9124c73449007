// `npm run demo`: the main job on simulated data (see README). Runs the CLI step by step.
import { spawnSync } from 'node:child_process';

const bin = new URL('../bin/srcaco', import.meta.url).pathname;
const out = process.env.SRCACO_DEMO_OUT ?? 'demo-out';

function srcaco(...args) {
  console.error(`\n$ srcaco ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

srcaco('simulate', '--preset', 'demo', '--out', `${out}/tiles`, '--force');
