/**
 * Initialisation rules as PyTorch and timm name them, resolved against a tensor's shape when a layer is declared
 * (fans as torch.nn.init computes them: dim 1 × receptive field is fan_in, dim 0 × receptive field fan_out).
 */
import type { Init } from './spec.js';

/** An Init, or a rule that gives one for the declared shape. */
export type InitRule = Init | ((shape: readonly number[]) => Init);

export type FanMode = 'fan_in' | 'fan_out';

/** torch.nn.init._calculate_fan_in_and_fan_out (a 1-D tensor has fan_in = fan_out = its size). */
export function fans(shape: readonly number[]): { fan_in: number; fan_out: number } {
  if (shape.length < 2) return { fan_in: shape[0] ?? 1, fan_out: shape[0] ?? 1 };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fan_in: shape[1]! * receptive, fan_out: shape[0]! * receptive };
}

export interface KaimingOptions {
  mode?: FanMode;
  /** Negative slope of the leaky ReLU after the layer (0: ReLU); sets the gain √(2 / (1 + a²)). */
  a?: number;
  /** An explicit gain instead of the one `a` gives. */
  gain?: number;
}

// √(gain² / fan) written as √(2 / (1 + a²) / fan) so that the ReLU case is exactly √(2 / fan), the value the
// ported models drew before the builder (same seed, same weights).
const kaimingStd = (shape: readonly number[], { mode = 'fan_in', a = 0, gain }: KaimingOptions) =>
  gain === undefined ? Math.sqrt(2 / (1 + a * a) / fans(shape)[mode]) : gain / Math.sqrt(fans(shape)[mode]);

/** torch.nn.init.kaiming_normal_: N(0, (gain / √fan)²). */
export const kaimingNormal =
  (options: KaimingOptions = {}): InitRule =>
  (shape) => ({ kind: 'normal', std: kaimingStd(shape, options) });

/** torch.nn.init.kaiming_uniform_: U(±gain·√(3 / fan)). */
export const kaimingUniform =
  (options: KaimingOptions = {}): InitRule =>
  (shape) => ({ kind: 'uniform', bound: Math.sqrt(3) * kaimingStd(shape, options) });

/** timm's trunc_normal_(std, mean, a, b): bounds are absolute values, not multiples of std. */
export const truncNormal = (std: number, { mean = 0, a = -2, b = 2 } = {}): Init => ({ kind: 'truncNormal', std, mean, a, b });

export const constantInit = (value: number): Init => ({ kind: 'constant', value });

/** N(0, std²). */
export const normalInit = (std: number): Init => ({ kind: 'normal', std });

/**
 * PyTorch's default for conv, conv-transpose and linear weights: kaiming_uniform(a = √5), i.e. U(±1/√fan_in).
 * (A transposed conv's weight is [in, out/groups, k, k], so its fan_in comes from dim 1 = out/groups, as in PyTorch.)
 */
export const torchDefaultWeight: InitRule = (shape) => ({ kind: 'uniform', bound: 1 / Math.sqrt(fans(shape).fan_in) });

/** PyTorch's default bias of conv, conv-transpose and linear layers: U(±1/√fan_in) of the layer's weight. */
export const torchDefaultBias =
  (weightShape: readonly number[]): InitRule =>
  () => ({ kind: 'uniform', bound: 1 / Math.sqrt(fans(weightShape).fan_in) });

/** The Init a rule gives for `shape`. */
export function resolveInit(rule: InitRule, shape: readonly number[]): Init {
  return typeof rule === 'function' ? rule(shape) : rule;
}
