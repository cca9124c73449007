/**
 * The PyTorch CPU peer of the side-by-side benchmarks: runs /work/shared/peer/bench_torch.py with Debian's
 * python (which has torch) under /usr/bin/time, and returns its JSON lines plus the interpreter's peak RSS.
 * SRCACO_TORCH_PEER and SRCACO_PYTHON override the script and the interpreter.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PEER_SCRIPT = process.env.SRCACO_TORCH_PEER ?? '/work/shared/peer/bench_torch.py';
export const PEER_PYTHON = process.env.SRCACO_PYTHON ?? '/usr/bin/python3';

/** One line of bench_torch.py, with the peak RSS of the python process that printed it. */
export interface PeerLine {
  peer: 'pytorch';
  torch: string;
  model: string;
  scale: number;
  batch: number;
  hr: number;
  threads: number;
  loss: 'mse' | 'mse-ssim';
  fwd_ms: number;
  step_ms: number;
  params: number;
  /** Peak RSS of the whole python run (every model it was asked for), MiB. */
  peak_rss_mb?: number;
}

export interface PeerOptions {
  models: readonly string[];
  loss: 'mse' | 'mse-ssim';
  threads: number;
  repeat: number;
  warmup?: number;
  batch?: number;
  hr?: number;
  scale?: number;
}

let available: boolean | undefined;

/** Whether the peer can run here: the script exists and the interpreter imports torch (checked once). */
export function peerAvailable(): boolean {
  if (available === undefined) {
    available = existsSync(PEER_SCRIPT) && spawnSync(PEER_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  }
  return available;
}

/** Runs the peer once for `models` and returns its lines; rejects with the peer's stderr when it fails. */
export function runPeer(o: PeerOptions): Promise<PeerLine[]> {
  const args = [PEER_SCRIPT, '--model', o.models.join(','), '--loss', o.loss, '--threads', String(o.threads), '--repeat', String(o.repeat)];
  if (o.warmup !== undefined) args.push('--warmup', String(o.warmup));
  if (o.batch !== undefined) args.push('--batch', String(o.batch));
  if (o.hr !== undefined) args.push('--hr', String(o.hr));
  if (o.scale !== undefined) args.push('--scale', String(o.scale));
  // /usr/bin/time reports the child's max RSS (KiB) on stderr after the child's own stderr.
  const timeBin = existsSync('/usr/bin/time');
  const [cmd, argv] = timeBin ? ['/usr/bin/time', ['-f', 'srcaco-maxrss-kb=%M', PEER_PYTHON, ...args]] : [PEER_PYTHON, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench_torch.py exited with ${code}: ${err.trim().slice(-2000)}`));
      const rss = /srcaco-maxrss-kb=(\d+)/.exec(err);
      const lines = parseJsonLines(out) as unknown as PeerLine[];
      for (const l of lines) if (rss) l.peak_rss_mb = Math.round(Number(rss[1]) / 1024);
      resolve(lines);
    });
  });
}

/** The JSON objects among the lines of `text` (other lines are ignored). */
export function parseJsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
