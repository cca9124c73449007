/**
 * The PyTorch CPU peer of the side-by-side benchmarks: runs a peer script with Debian's python (which has torch)
 * under /usr/bin/time, and returns its JSON lines plus the interpreter's peak RSS. A model that
 * bench/peer-original.py builds (its `--list`) goes there, with the original checkout ($SRCACO_ORIGINAL, else
 * /work/orig/sr-caco-2 when it exists); any other to /work/shared/peer/bench_torch.py. SRCACO_TORCH_PEER and
 * SRCACO_PYTHON override the shared script and the interpreter.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PEER_SCRIPT = process.env.SRCACO_TORCH_PEER ?? '/work/shared/peer/bench_torch.py';
export const PEER_PYTHON = process.env.SRCACO_PYTHON ?? '/usr/bin/python3';
/** The peer over the original classes, for the architectures ported from the original code. */
export const ORIGINAL_PEER_SCRIPT = fileURLToPath(new URL('./peer-original.py', import.meta.url));
const ORIGINAL_CHECKOUT = process.env.SRCACO_ORIGINAL ?? (existsSync('/work/orig/sr-caco-2') ? '/work/orig/sr-caco-2' : undefined);

/** One line of a peer script, with the peak RSS of the python process that printed it. */
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
let originalModels: ReadonlySet<string> | undefined;

/** The models bench/peer-original.py builds, when a checkout of the original is there to build them from. */
function originalPeerModels(): ReadonlySet<string> {
  if (originalModels === undefined) {
    const r = ORIGINAL_CHECKOUT ? spawnSync(PEER_PYTHON, [ORIGINAL_PEER_SCRIPT, '--list'], { encoding: 'utf8' }) : null;
    originalModels = new Set(r?.status === 0 ? r.stdout.split(/\s+/).filter(Boolean) : []);
  }
  return originalModels;
}

/** The peer script for `model` and the arguments it needs, or null when no peer here builds it. */
function peerScript(model: string): { script: string; args: string[] } | null {
  if (originalPeerModels().has(model)) return { script: ORIGINAL_PEER_SCRIPT, args: ['--original', ORIGINAL_CHECKOUT!] };
  return existsSync(PEER_SCRIPT) ? { script: PEER_SCRIPT, args: [] } : null;
}

/** Whether a peer can run here: the interpreter imports torch and a peer script is there (checked once). */
export function peerAvailable(): boolean {
  if (available === undefined) {
    available = spawnSync(PEER_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0 && (existsSync(PEER_SCRIPT) || originalPeerModels().size > 0);
  }
  return available;
}

/**
 * Runs the peer once for `models`, one script run per peer script, and returns their lines (none for a model no
 * peer builds); rejects with the peer's stderr when a run fails.
 */
export async function runPeer(o: PeerOptions): Promise<PeerLine[]> {
  const byScript = new Map<string, { args: string[]; models: string[] }>();
  for (const model of o.models) {
    const peer = peerScript(model);
    if (!peer) {
      console.error(`bench: no PyTorch peer for ${model} (neither bench/peer-original.py with an original checkout nor ${PEER_SCRIPT})`);
      continue;
    }
    const group = byScript.get(peer.script) ?? { args: peer.args, models: [] };
    group.models.push(model);
    byScript.set(peer.script, group);
  }
  const lines: PeerLine[] = [];
  for (const [script, { args, models }] of byScript) lines.push(...(await runPeerScript(script, [...args, '--model', models.join(',')], o)));
  return lines;
}

/** One run of a peer script; its lines carry the run's peak RSS. */
function runPeerScript(script: string, scriptArgs: string[], o: PeerOptions): Promise<PeerLine[]> {
  const args = [script, ...scriptArgs, '--loss', o.loss, '--threads', String(o.threads), '--repeat', String(o.repeat)];
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
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.trim().slice(-2000)}`));
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
