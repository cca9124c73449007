/**
 * What a training step is compiled for. Everything that tracing and lowering read besides the traced function
 * itself lives in one frozen CompileTarget, passed to compileStep and from grad to every VJP, so two steps
 * compiled for different targets in one process cannot leak choices into each other. The device-dependent
 * defaults (the CPU's NCHWc block) are computed here and nowhere else.
 */
import { SrcacoError } from '../errors.js';
import { reorderToBlocked } from './nchwc.js';
import { toOnnx } from './onnx.js';
import type { ConvGradient } from './ops/conv.js';
import type { Device } from './runtime.js';
import { Session, executionProviders, toHost } from './runtime.js';
import { input } from './tensor.js';

export interface CompileTarget {
  /** Where the compiled step runs (StepRunner opens its session there). */
  readonly device: Device;
  /** MLAS's NCHWc channel block when convolutions are lowered to ORT's blocked CPU kernels (nchwc.ts); 0: standard ops only. */
  readonly nchwcBlock: number;
  /** How the conv VJPs are written (see ConvGradient in ops/conv.ts). */
  readonly convGradient: Readonly<ConvGradient>;
}

export interface CompileTargetOptions {
  /** Blocked convolutions (CPU only; default: on the CPU when this ONNX Runtime build has them). */
  blockedConvs?: boolean;
  /** Conv VJP formulations; unset fields are 'auto'. */
  convGradient?: Partial<ConvGradient>;
}

/** The target for `device`: its defaults, with `options` applied. Probes the CPU's NCHWc block only when it is needed. */
export async function compileTarget(device: Device = 'cpu', options: CompileTargetOptions = {}): Promise<CompileTarget> {
  executionProviders(device); // an unknown device fails here, before any tracing
  const blocked = options.blockedConvs ?? device === 'cpu';
  if (blocked && device !== 'cpu') throw new SrcacoError('usage', `blocked convolutions run on the CPU only, not on ${device}; leave blockedConvs unset for ${device}`);
  const nchwcBlock = blocked ? await nchwcBlockSize() : 0;
  const chosen = options.convGradient ?? {};
  const convGradient = Object.freeze({ input: chosen.input ?? 'auto', weight: chosen.weight ?? 'auto' });
  return Object.freeze({ device, nchwcBlock, convGradient });
}

// The probe's answer is a property of this process's CPU and ORT build: asked once, read only by compileTarget.
let blockProbe: Promise<number> | undefined;

/**
 * MLAS's NCHWc channel block on this CPU (16 with AVX-512, 8 with AVX2), or 0 when this ORT build has no
 * blocked kernels. Probed once: ReorderInput pads 4 channels up to one block.
 */
export function nchwcBlockSize(): Promise<number> {
  blockProbe ??= (async () => {
    // The channel count is symbolic so the declared output shape cannot disagree with the padded one ORT makes.
    const x = input('x', [1, 'C', 1, 1]);
    try {
      const session = await Session.create(toOnnx({ inputs: [x], outputs: [['y', reorderToBlocked(x)]], name: 'nchwc_probe' }), { threads: 1 });
      const { y } = await session.run({ x: { shape: [1, 4, 1, 1], data: new Float32Array(4) } });
      await session.release();
      const block = toHost(y!).shape[1]!;
      return block >= 4 && block % 4 === 0 ? block : 0;
    } catch {
      return 0;
    }
  })();
  return blockProbe;
}
