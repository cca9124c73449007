/**
 * `npm run bench -- <name> [args]`: runs one benchmark by name. engine and train are functions of this folder;
 * the other benches are scripts that read process.argv at load, so they are imported with argv rewritten.
 * No name, or an unknown one, lists the known names (exit status 2).
 */
import { pathToFileURL } from 'node:url';

type Bench = { describe: string } & ({ run: (argv: string[]) => Promise<void> } | { script: string });

/** Every benchmark the dispatcher knows, by name. */
export const BENCHES: Readonly<Record<string, Bench>> = {
  engine: { describe: 'forward and training-step time per model and loss, beside PyTorch CPU', run: async (a) => (await import('./engine.js')).engineBench(a) },
  train: { describe: 'training patches/s with the data pipeline and the protocol loss, beside PyTorch CPU', run: async (a) => (await import('./train.js')).trainBench(a) },
  'engine-conv': { describe: 'conv gradient formulations on single layers', script: './engine-conv.ts' },
  'engine-srcnn': { describe: 'SRCNN 9-5-5 step time per conv gradient formulation', script: './engine-srcnn.ts' },
  tiff: { describe: 'TIFF write/read and windowed reads on a tile-sized file', script: './tiff.ts' },
  metrics: { describe: 'evaluation metrics on N pairs (--eval: srcaco eval end to end)', script: './metrics.ts' },
  simulate: { describe: 'simulating and writing one tile', script: './simulate.ts' },
  register: { describe: 'registration accuracy and speed on synthetic shifted pairs', script: './register.ts' },
  'profile-step': { describe: "one model's protocol-loss step under ONNX Runtime's profiler: kernel time per op type", script: './profile-step.ts' },
  prep: { describe: 'srcaco prep seconds per tile in both modes', script: './prep.ts' },
  upscale: { describe: 'whole-tile upscale into a pyramidal OME-TIFF: HR megapixels/s and peak RSS, beside PyTorch CPU', script: './upscale.ts' },
};

/** The usage text listing every benchmark. */
export function benchUsage(): string {
  const width = Math.max(...Object.keys(BENCHES).map((n) => n.length));
  const rows = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(width)}  ${b.describe}`);
  return `usage: npm run bench -- <name> [args]\nbenchmarks:\n${rows.join('\n')}`;
}

/** Runs benchmark `name` with `argv`; returns false (running nothing) when the name is unknown. */
export async function runBench(name: string | undefined, argv: string[]): Promise<boolean> {
  const bench = name !== undefined && Object.hasOwn(BENCHES, name) ? BENCHES[name]! : undefined;
  if (!bench) return false;
  if ('run' in bench) {
    await bench.run(argv);
  } else {
    const url = new URL(bench.script, import.meta.url);
    process.argv = [process.argv[0]!, url.pathname, ...argv];
    await import(url.href);
  }
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name, ...rest] = process.argv.slice(2);
  if (!(await runBench(name, rest))) {
    console.error(`${name === undefined ? 'name a benchmark' : `unknown benchmark '${name}'`}\n${benchUsage()}`);
    process.exitCode = 2;
  }
}
