/**
 * SRFBN (Li et al. 2019, "Feedback Network for Image Super-Resolution"; the original's
 * dlib/models/network_srfbn.py, itself Paper99/SRFBN_CVPR19): LR features (3×3 conv to 4·F, 1×1 to F), then
 * T steps of one feedback block whose hidden state is its previous output (the LR features at the first step).
 * The block compresses [input, hidden] to F channels and runs G up/down projection groups (transposed conv up,
 * strided conv down, each group fed the 1×1-compressed concatenation of every earlier group's output); every
 * step is decoded (transposed conv, 3×3 conv) and added to the bilinear-upsampled input. Every conv carries a
 * bias and a one-slope PReLU (init 0.2) except the last conv. Not used by the original's forward but in its
 * state_dict: the DIV2K mean-shift 1×1 convs `sub_mean` / `add_mean` (3 channels, frozen).
 */
import type { Scope } from '../engine/nn/module.js';
import { add } from '../engine/ops/elementwise.js';
import { resize } from '../engine/ops/resize.js';
import { concat } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import { defineModel } from './model.js';
import { meanShift } from './blocks/edsr.js';

/**
 * The original's projection kernel, stride and padding per scale: the up conv maps h to s·h, the down conv back,
 * for every h ≥ 1. (The original also has ×3, kernel 7; SR-CACO-2 has no ×3 data, and srcaco's models list
 * the dataset's scales.)
 */
const PROJECTION: Readonly<Record<number, { kernel: number; stride: number; padding: number }>> = {
  2: { kernel: 6, stride: 2, padding: 2 },
  4: { kernel: 8, stride: 4, padding: 2 },
  8: { kernel: 12, stride: 8, padding: 2 },
};

/** The original's PReLU slope at init (`activation('prelu')`: nn.PReLU(1, init=0.2)). */
const PRELU_INIT = 0.2;


type Layer = (x: Tensor) => Tensor;

interface ConvSpec {
  kernel: number;
  stride?: number;
  padding?: number;
  /** A transposed conv (the original's DeconvBlock). */
  transposed?: boolean;
  /** Default true: the conv is followed by the block's PReLU (index 1 of its nn.Sequential). */
  prelu?: boolean;
}

/**
 * The original's ConvBlock / DeconvBlock without norm: nn.Sequential(conv, PReLU) named `<local>.0` and
 * `<local>.1`, or nn.Sequential(conv) alone. ConvBlock pads (k − 1) / 2 unless given a padding.
 */
function convBlock(nn: Scope, local: string | number, inC: number, outC: number, spec: ConvSpec): Layer {
  const s = nn.scope(local);
  const { kernel, stride = 1, padding = (kernel - 1) >> 1, prelu = true } = spec;
  const conv = spec.transposed ? s.convTranspose2d(0, inC, outC, kernel, { stride, padding }) : s.conv2d(0, inC, outC, kernel, { stride, padding });
  if (!prelu) return conv;
  const act = s.prelu(1, 1, PRELU_INIT);
  return (x) => act(conv(x));
}


/** The feedback block: [x, hidden] → F channels, G up/down groups with dense 1×1 transitions, G·F → F. */
function feedbackBlock(nn: Scope, f: number, groups: number, projection: (typeof PROJECTION)[number]): (x: Tensor, hidden: Tensor) => Tensor {
  const compressIn = convBlock(nn, 'compress_in', 2 * f, f, { kernel: 1 });
  // Declared list by list, as the original's ModuleLists are registered: upBlocks, downBlocks, then transitions.
  const up = Array.from({ length: groups }, (_, i) => convBlock(nn.scope('upBlocks'), i, f, f, { ...projection, transposed: true }));
  const down = Array.from({ length: groups }, (_, i) => convBlock(nn.scope('downBlocks'), i, f, f, projection));
  const upTransition = Array.from({ length: groups - 1 }, (_, i) => convBlock(nn.scope('uptranBlocks'), i, (i + 2) * f, f, { kernel: 1 }));
  const downTransition = Array.from({ length: groups - 1 }, (_, i) => convBlock(nn.scope('downtranBlocks'), i, (i + 2) * f, f, { kernel: 1 }));
  const compressOut = convBlock(nn, 'compress_out', groups * f, f, { kernel: 1 });
  return (x, hidden) => {
    const lr = [compressIn(concat([x, hidden], 1))];
    const hr: Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      hr.push(up[g]!(g === 0 ? lr[0]! : upTransition[g - 1]!(concat(lr, 1))));
      lr.push(down[g]!(g === 0 ? hr[0]! : downTransition[g - 1]!(concat(hr, 1))));
    }
    return compressOut(concat(lr.slice(1), 1));
  };
}

export const srfbn = defineModel({
  name: 'srfbn',
  displayName: 'SRFBN',
  family: 'iterative',
  upsampling: 'inside: transposed convs; each step added to the bilinear upsampling of the LR input',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'a feedback block of up/down projection groups iterated over steps, its previous output as hidden state; trained on the mean loss of every step against HR',
  config: {
    num_features: { type: 'integer', default: 64, min: 1, help: 'feature channels (F)' },
    num_steps: { type: 'integer', default: 4, min: 1, help: 'feedback steps (T), each an output in the loss' },
    num_groups: { type: 'integer', default: 6, min: 1, help: 'up/down projection groups of the feedback block (G)' },
  },
  // 32 features, 3 groups (instead of 64, 6), the 4 feedback steps kept: an eighth of the projections' work.
  presets: { demo: { num_features: 32, num_groups: 3 } },
  // The original's loss_srfbn with use_cl = True (its default): every step's output against the HR target,
  // averaged over the steps (its "curriculum" keeps one target for all steps). The forward's outputs are
  // step1..step{T-1}, and y is the last step.
  lossOn: { kind: 'outputs', reduce: 'mean' },
  // An upper bound, in LR px: an up-then-down projection pair reaches under 3 LR px at every scale (kernel 6/8/12,
  // stride 2/4/8, padding 2), a step chains at most G pairs after conv_in's 1 px, and the hidden state carries each
  // step's reach into the next; decoding adds the transposed conv and conv_out (under 2 LR px), the bilinear
  // residual 1.
  halo: ({ config }) => config.num_steps * (3 * config.num_groups + 1) + 3,
  build({ scale, config }, nn) {
    const projection = PROJECTION[scale];
    if (!projection) throw new SrcacoError('usage', `srfbn supports scales ${Object.keys(PROJECTION).join(', ')}, received ${scale}`, { option: '--scale' });
    const { num_features: f, num_steps: steps, num_groups: groups } = config;
    meanShift(nn, 'sub_mean', -1, 255);
    const convIn = convBlock(nn, 'conv_in', 1, 4 * f, { kernel: 3 });
    const featIn = convBlock(nn, 'feat_in', 4 * f, f, { kernel: 1 });
    const block = feedbackBlock(nn.scope('block'), f, groups, projection);
    const out = convBlock(nn, 'out', f, f, { ...projection, transposed: true });
    const convOut = convBlock(nn, 'conv_out', f, 1, { kernel: 3, prelu: false });
    meanShift(nn, 'add_mean', 1, 255);
    return (lr) => {
      const up = resize(lr, scale, 'bilinear');
      const x = featIn(convIn(lr));
      let hidden = x;
      const outputs: Record<string, Tensor> = {};
      let y = up;
      for (let t = 1; t <= steps; t++) {
        hidden = block(x, hidden);
        y = add(up, convOut(out(hidden)));
        if (t < steps) outputs[`step${t}`] = y;
      }
      return { y, outputs };
    };
  },
});
