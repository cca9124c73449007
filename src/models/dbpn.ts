/**
 * DBPN (Haris et al. 2018; the original's dlib/models/network_dbpn.py, DBPN-RES-MR64-3 of the journal version):
 * a 3×3 and a 1×1 conv with PReLUs to `base_filter` LR features, then up- and down-projection units that map
 * between LR and HR features with a strided (transposed) conv of kernel/stride/padding (6, 2, 2) at ×2,
 * (8, 4, 2) at ×4, (12, 8, 2) at ×8, each unit adding the back-projected residual. Units 4 to 13 first fuse the
 * concatenation of every earlier unit's output of their kind with a 1×1 conv (dense connections). As in the
 * original code (not the paper), the same 13 units run `num_stages` times in a row, each pass starting from the
 * previous pass's last LR features, and the last HR features of every pass are concatenated for the 3×3
 * output conv. No global residual, no clamp: the output is the conv's.
 */
import { constantInit, kaimingNormal } from '../engine/nn/init.js';
import type { Scope } from '../engine/nn/module.js';
import { add, sub } from '../engine/ops/elementwise.js';
import { concat } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { defineModel } from './model.js';

/** The projection units' [kernel, stride, padding] by scale (the original raises NotImplementedError otherwise). */
const PROJECTION: Readonly<Record<number, readonly [number, number, number]>> = { 2: [6, 2, 2], 4: [8, 4, 2], 8: [12, 8, 2] };

/**
 * The original's init loop (run in DBPN.__init__; select_network's init_weights passes for DBPN): every Conv2d and
 * ConvTranspose2d weight kaiming_normal_ (fan_in, gain √2; a transposed conv's fan_in from weight dim 1), biases
 * zero. PReLUs keep PyTorch's 0.25.
 */
const INIT = { weight: kaimingNormal(), bias: constantInit(0) };

type Projection = { k: number; stride: number; pad: number };

/**
 * The original's ConvBlock (`transposed`: DeconvBlock): `<local>.conv` (`.deconv`) then, with `act`, the PReLU
 * `<local>.act`. (The original passes the activation name positionally into `bias`; a non-empty string, so every
 * block has a bias.)
 */
function convBlock(nn: Scope, local: string, inC: number, outC: number, { k, stride, pad }: Projection, { transposed = false, act = true } = {}): (x: Tensor) => Tensor {
  const s = nn.scope(local);
  const options = { stride, padding: pad, init: INIT };
  const conv = transposed ? s.convTranspose2d('deconv', inC, outC, k, options) : s.conv2d('conv', inC, outC, k, options);
  const prelu = act ? s.prelu('act') : null;
  return prelu ? (x) => prelu(conv(x)) : conv;
}

/**
 * An up-projection (UpBlock; D_UpBlock when `inputs` > 1, whose 1×1 conv first fuses `inputs`·f channels):
 * h0 = up(l), l0 = down(h0), h1 = up(l0 − l), out h1 + h0. A down-projection (DownBlock, D_DownBlock) is the
 * same with the roles of conv and deconv swapped and its modules named down_conv1..3.
 */
function projectionUnit(nn: Scope, kind: 'up' | 'down', f: number, p: Projection, inputs: number): (x: Tensor) => Tensor {
  const fuse = inputs > 1 ? convBlock(nn, 'conv', inputs * f, f, { k: 1, stride: 1, pad: 0 }) : null;
  const up = kind === 'up';
  const first = convBlock(nn, `${kind}_conv1`, f, f, p, { transposed: up });
  const back = convBlock(nn, `${kind}_conv2`, f, f, p, { transposed: !up });
  const third = convBlock(nn, `${kind}_conv3`, f, f, p, { transposed: up });
  return (x) => {
    if (fuse) x = fuse(x);
    const a = first(x);
    return add(third(sub(back(a), x)), a);
  };
}

export const dbpn = defineModel({
  name: 'dbpn',
  displayName: 'DBPN',
  family: 'iterative',
  upsampling: 'inside: strided transposed convs of the up-projection units (iterative up- and down-projection)',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'DBPN-RES-MR64-3: 13 dense up/down back-projection units (PReLU), run num_stages times; trained on its last output',
  config: {
    base_filter: { type: 'integer', default: 64, min: 1, help: 'channels of the projection units' },
    feat: { type: 'integer', default: 256, min: 1, help: 'channels of the first 3×3 conv' },
    num_stages: { type: 'integer', default: 3, min: 1, help: 'passes through the 13 projection units; their last HR features are concatenated' },
  },
  // 16 channels, one pass: the same 13 units and code paths at a fraction of the compute, for a demo on 2 cores.
  presets: { demo: { base_filter: 16, feat: 32, num_stages: 1 } },
  // An upper bound, in LR px: conv0 (1); every up or down projection unit chains three convs or transposed convs
  // of kernel k, stride s (k ≤ 1.5 s: under 2 LR px each); 13 units per stage; the output conv (1 HR px).
  halo: ({ config }) => 1 + config.num_stages * 13 * 6 + 1,
  build({ scale, config }, nn) {
    const { base_filter: f, feat, num_stages: stages } = config;
    const [k, stride, pad] = PROJECTION[scale]!;
    const p = { k, stride, pad };
    const one = { k: 1, stride: 1, pad: 0 };
    const feat0 = convBlock(nn, 'feat0', 1, feat, { k: 3, stride: 1, pad: 1 });
    const feat1 = convBlock(nn, 'feat1', feat, f, one);
    // up1 down1 up2 plain; then down2 up3 down3 ... up7, unit j of a kind fusing the j − 1 earlier ones.
    const unit = (kind: 'up' | 'down', i: number, inputs: number) => projectionUnit(nn.scope(`${kind}${i}`), kind, f, p, inputs);
    const [up1, down1, up2] = [unit('up', 1, 1), unit('down', 1, 1), unit('up', 2, 1)];
    const dense: Array<{ down: (x: Tensor) => Tensor; up: (x: Tensor) => Tensor }> = [];
    for (let i = 2; i <= 6; i++) dense.push({ down: unit('down', i, i), up: unit('up', i + 1, i) });
    const output = convBlock(nn, 'output_conv', stages * f, 1, { k: 3, stride: 1, pad: 1 }, { act: false });
    return (lr) => {
      let l = feat1(feat0(lr));
      const results: Tensor[] = [];
      for (let s = 0; s < stages; s++) {
        const h1 = up1(l);
        const l1 = down1(h1);
        const h2 = up2(l1);
        // Every earlier output of each kind, newest first, as the original's torch.cat((new, older), 1).
        const hs = [h2, h1];
        const ls = [l1];
        let h = h2;
        for (const { down, up } of dense) {
          l = down(concat(hs, 1));
          ls.unshift(l);
          h = up(concat(ls, 1));
          hs.unshift(h);
        }
        results.push(h);
      }
      return output(concat(results, 1));
    };
  },
});
