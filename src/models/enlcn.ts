/**
 * ENLCN (Xia et al. 2022, "Efficient Non-Local Contrastive Attention for Image Super-Resolution"; the original's
 * dlib/models/network_enlcn.py, from Zj-BinXia/ENLCA): an EDSR trunk (3×3 head, residual blocks conv-ReLU-conv
 * scaled by 0.1, a 3×3 conv, a global skip) with an efficient non-local attention module before the first block
 * and after every 8th, then a pixel-shuffle upsampler (one 3×3 conv to 4·F and a ×2 shuffle per octave) and a
 * 3×3 conv to the image.
 *
 * The attention (ENLCA) is global and linear in the number of pixels: two 1×1 embeddings to F/4 channels,
 * L2-normalised per pixel and scaled to length √6, go through Performer's positive random features
 * φ(u) = m^-½·(exp(Pu − ‖u‖²/2) + 10⁻⁴) with a fixed random projection P [m = 128, F/4] (a buffer), and the
 * 1×1-assembled features are averaged with weights φ(q)·φ(k): out = φ(Q)(φ(K)ᵀV) / (φ(Q)·Σφ(K)), scaled by 0.1
 * and added to the input.
 *
 * Followed from the code: the mean-shift convs `sub_mean` / `add_mean` (3 channels, frozen) are in the
 * state_dict but not in the forward; the contrastive loss the attention computes in training (exp of the full
 * HW×HW similarity, sorted) is discarded by the original's forward, so srcaco does not compute it.
 */
import type { Scope } from '../engine/nn/module.js';
import { add, div, exp, mul, sub } from '../engine/ops/elementwise.js';
import { flatten } from '../engine/ops/layout.js';
import { matmul, mT } from '../engine/ops/linalg.js';
import { l2Normalize } from '../engine/ops/normalize.js';
import { reduceSum } from '../engine/ops/reduce.js';
import { reshape } from '../engine/ops/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { defineModel } from './model.js';
import { meanShift, resBlock, upsampler } from './blocks/edsr.js';

type Layer = (x: Tensor) => Tensor;

/** Random features of the attention's kernel (ENLA's nb_features, fixed by the original). */
const RANDOM_FEATURES = 128;
/** Embedding channels are F / REDUCTION (ENLCA's reduction in ENLCN). */
const REDUCTION = 4;
/** F.normalize's eps in ENLCA, and the length the embeddings are scaled to (its `k`). */
const EMBED_EPS = 5e-5;
const EMBED_LENGTH = Math.sqrt(6);
/** softmax_kernel's eps, added to every random feature. */
const KERNEL_EPS = 1e-4;
/** An attention module before the first residual block and after every EVERY-th. */
const EVERY = 8;


/**
 * Performer's softmax-kernel features of `u` [N, d, L] (one column per pixel) for the projection P [m, d]:
 * m^-½·(exp(Pu − ‖u‖²/2) + eps) as [N, m, L]. The factor m^-½ goes inside the exponent, on the [N, 1, L] term,
 * so the full-size tensor takes no extra pass.
 */
function randomFeatures(u: Tensor, projection: Tensor): Tensor {
  const halfSq = mul(reduceSum(mul(u, u), 1, true), 0.5);
  const logRatio = -0.5 * Math.log(RANDOM_FEATURES);
  return add(exp(sub(matmul(projection, u), sub(halfSq, logRatio))), Math.exp(logRatio) * KERNEL_EPS);
}

/**
 * ENLCA: `conv_match1`, `conv_match2` (F → F/4) and `conv_assembly` (F → F) 1×1 convs (`<name>.0`), and
 * `attn_fn.projection_matrix` [128, F/4], drawn once as orthogonal random features and never trained.
 */
function attention(nn: Scope, f: number, resScale: number): Layer {
  const d = Math.floor(f / REDUCTION);
  const match1 = nn.scope('conv_match1').conv2d(0, f, d, 1);
  const match2 = nn.scope('conv_match2').conv2d(0, f, d, 1);
  const assembly = nn.scope('conv_assembly').conv2d(0, f, f, 1);
  const projection = nn.scope('attn_fn').buffer('projection_matrix', [RANDOM_FEATURES, d], { kind: 'orthogonalRandomFeatures', rows: RANDOM_FEATURES, cols: d });
  // [N, d, H, W] → unit-length-√6 pixel embeddings [N, d, H·W].
  const embed = (t: Tensor) => flatten(mul(l2Normalize(t, 1, EMBED_EPS), EMBED_LENGTH), 2);
  return (x) => {
    const p = projection();
    const q = randomFeatures(embed(match1(x)), p); // [N, m, L]
    const k = randomFeatures(embed(match2(x)), p);
    const v = flatten(assembly(x), 2); // [N, F, L]
    const normaliser = reduceSum(mul(q, reduceSum(k, 2, true)), 1, true); // φ(q)·Σφ(k): [N, 1, L]
    const out = div(matmul(matmul(v, mT(k)), q), normaliser); // (V φ(K)ᵀ) φ(Q): [N, F, L]
    return add(mul(reshape(out, x.shape), resScale), x);
  };
}


export const enlcn = defineModel({
  name: 'enlcn',
  displayName: 'ENLCN',
  family: 'post-upsampling',
  upsampling: 'after the trunk: pixel shuffle (a 3×3 conv and a ×2 shuffle per octave), then a 3×3 conv',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'an EDSR trunk of residual blocks with efficient non-local attention (L2-normalised embeddings, Performer random features, linear in the pixels) before the first block and after every 8th',
  config: {
    n_resblock: { type: 'integer', default: 32, min: 0, help: 'residual blocks; an attention module precedes the first and follows every 8th' },
    n_feats: { type: 'integer', default: 256, min: REDUCTION, help: 'feature channels (F); the attention embeds in F/4' },
    res_scale: { type: 'number', default: 0.1, help: 'factor of every residual branch and of the attention output' },
    img_range: { type: 'number', default: 1, help: 'the mean-shift range (only in the unused sub_mean / add_mean biases)' },
  },
  // 8 blocks of 64 features: both kinds of attention placement (before the first block, after the 8th), a
  // sixteenth of the trunk's work.
  presets: { demo: { n_resblock: 8, n_feats: 64 } },
  // The convolutions' reach in LR px: the head 1, each block 2, the trunk's last conv 1, the upsampler's first conv
  // 1 and everything after it (the convs at 2×, 4×... and the HR conv) under 1 more. The attention modules are
  // global, so this bounds tiled inference only up to them: a tile averages over its own pixels (docs/models.md).
  halo: ({ config }) => 2 * config.n_resblock + 4,
  globalContext: true,
  build({ scale, config }, nn) {
    const { n_resblock: blocks, n_feats: f, res_scale: resScale, img_range: imgRange } = config;
    // Registration order of the original's __init__: the mean shifts, then head, body, tail.
    meanShift(nn, 'sub_mean', -1, imgRange);
    meanShift(nn, 'add_mean', 1, imgRange);
    const head = nn.scope('head').conv2d(0, 1, f, 3, { padding: 1 });
    // body: [ENLCA, 8 blocks, ENLCA, ...], then a conv: a ModuleList whose indices count both kinds.
    const body: Layer[] = [];
    const bodyScope = () => nn.scope('body', body.length);
    body.push(attention(bodyScope(), f, resScale));
    for (let i = 0; i < blocks; i++) {
      body.push(resBlock(bodyScope(), f, resScale));
      if ((i + 1) % EVERY === 0) body.push(attention(bodyScope(), f, resScale));
    }
    body.push(nn.scope('body').conv2d(body.length, f, f, 3, { padding: 1 }));
    const up = upsampler(nn.scope('tail', 0), scale, f);
    const out = nn.scope('tail').conv2d(1, f, 1, 3, { padding: 1 });
    return (lr) => {
      const x = head(lr);
      const res = body.reduce((h, layer) => layer(h), x);
      return out(up(add(res, x)));
    };
  },
});
