/**
 * NLSN (Mei, Fan & Zhou 2021, "Image Super-Resolution with Non-Local Sparse Attention"; the original's
 * dlib/models/network_nlsn.py, from HarukiYqM/Non-Local-Sparse-Attention): an EDSR trunk (3×3 head, residual
 * blocks conv-ReLU-conv scaled by res_scale, a 3×3 conv, a global skip, a pixel-shuffle upsampler and a 3×3 tail)
 * with a non-local sparse attention module before the first block and after every 8th. The attention hashes each
 * LR position's embedding by random rotations (LSH with `n_hashes` rounds), sorts positions by bucket, attends
 * within chunks of `chunk_size` sorted positions and their two neighbouring chunks, and mixes the rounds by the
 * softmax of each round's log-sum-exp score. Not used by the original's forward but in its state_dict: the
 * DIV2K mean-shift 1×1 convs `sub_mean` / `add_mean` (3 channels, frozen).
 *
 * Where srcaco differs (docs/models.md, NLSN): the rotations come from the run's seeded generator in training
 * (a noise input), from a fixed seeded draw at inference or from a file (nlsn-rotations.ts), instead of a fresh
 * torch.randn at every forward; ties in the bucket sort are broken by position (the original's sort is not
 * stable). The graph depends on the input's size (the number of buckets and chunks), so it is built per size.
 */
import type { Scope } from '../engine/nn/module.js';
import type { ForwardContext } from '../engine/nn/layers.js';
import { add, exp, mul, neg, sub } from '../engine/ops/elementwise.js';
import { matmul, mT } from '../engine/ops/linalg.js';
import { roll } from '../engine/ops/layout.js';
import { softmax } from '../engine/ops/nn.js';
import { l2Normalize } from '../engine/ops/normalize.js';
import { logSumExp, reduceSum } from '../engine/ops/reduce.js';
import { concat, gather0, reshape, slice, transpose } from '../engine/ops/shape.js';
import { argmax, argsort } from '../engine/ops/sort.js';
import { takeAlong } from '../engine/ops/take-along.js';
import { constant } from '../engine/tensor.js';
import type { Tensor } from '../engine/tensor.js';
import { SrcacoError } from '../errors.js';
import { defineModel } from './model.js';
import { attentionCount, hashBuckets, rotationNoiseName, seededRotations } from './nlsn-rotations.js';
import { meanShift, resBlock, upsampler } from './blocks/edsr.js';

/** The original's fixed reduction of the attention's match embedding (channels / 4). */
const REDUCTION = 4;

/** F.normalize's eps in the original's attention (keys are unit vectors unless nearly zero). */
const MATCH_EPS = 5e-5;

type Layer = (x: Tensor) => Tensor;


interface AttentionOptions {
  channels: number;
  nHashes: number;
  chunk: number;
  resScale: number;
}

/**
 * Rows of `x` [N, L, C] picked per batch element by `idx` [N, ...] (values in [0, L)): the original's
 * batched_index_select, as one row gather of the flattened [N·L, C] (its VJP adds rows back, repeats summed).
 */
function batchedRows(x: Tensor, idx: Tensor): Tensor {
  const [n, l, c] = x.shape.map(Number) as [number, number, number];
  const offsets = constant(Array.from({ length: n }, (_, b) => b * l), [n, ...idx.shape.slice(1).map(() => 1)], 'int64');
  return gather0(reshape(x, [n * l, c]), add(idx, offsets));
}

/** Each chunk beside the one before and the one after it (cyclically within a round): [.., k, c, C] → [.., k, 3c, C]. */
function withAdjacentChunks(x: Tensor): Tensor {
  return concat([x, roll(x, 1, 2), roll(x, -1, 2)], 3);
}

/** The original's NonLocalSparseAttention: [N, C, H, W] → the same, plus res_scale times the attended features. */
function sparseAttention(nn: Scope, o: AttentionOptions): (x: Tensor, rotations: Tensor) => Tensor {
  const { channels, nHashes, chunk } = o;
  const dim = channels / REDUCTION;
  const match = nn.scope('conv_match').conv2d(0, channels, dim, 3, { padding: 1 });
  const assembly = nn.scope('conv_assembly').conv2d(0, channels, channels, 1);
  return (input, rotations) => {
    const [n, , h, w] = input.shape.map(Number) as [number, number, number, number];
    const L = h * w;
    // [N, L, C]: positions in row-major order, as the original's view(N, C, H·W).permute(0, 2, 1).
    const xEmbed = transpose(reshape(match(input), [n, dim, L]), [0, 2, 1]);
    const yEmbed = transpose(reshape(assembly(input), [n, channels, L]), [0, 2, 1]);

    // LSH: rotate [N, 1, L, dim] by [n_hashes, dim, B/2], then the bucket is the argmax over [r, −r].
    const rotated = matmul(reshape(xEmbed, [n, 1, L, dim]), transpose(rotations, [1, 0, 2]));
    const codes = argmax(concat([rotated, neg(rotated)], -1), -1); // [N, n_hashes, L]
    // Sorting each round by bucket·L + position is the original's sort of the offset codes of all rounds, made
    // stable: equal buckets keep their positions' order whatever the sort kernel does with ties.
    const positions = constant(Array.from({ length: L }, (_, i) => i), [1, 1, L], 'int64');
    const order = argsort(add(mul(codes, L), positions), -1); // [N, n_hashes, L]
    const undo = argsort(order, -1);

    // Pad each round to whole chunks with its own last sorted positions, as the original does.
    const padding = (chunk - (L % chunk)) % chunk;
    const padded = padding ? concat([order, slice(order, 2, L - padding, L)], 2) : order;
    const lp = L + padding;
    const chunks = lp / chunk;
    const xSorted = reshape(batchedRows(xEmbed, padded), [n, nHashes, chunks, chunk, dim]);
    const ySorted = reshape(batchedRows(yEmbed, padded), [n, nHashes, chunks, chunk, channels]);

    // Queries are the raw embeddings, keys their unit vectors; each chunk attends to itself and its neighbours.
    const keys = withAdjacentChunks(l2Normalize(xSorted, -1, MATCH_EPS));
    const values = withAdjacentChunks(ySorted);
    const raw = matmul(xSorted, mT(keys)); // [N, n_hashes, chunks, c, 3c]
    const bucketScore = logSumExp(raw, -1, true);
    const attended = reshape(matmul(exp(sub(raw, bucketScore)), values), [n, nHashes, lp, channels]);

    // Back to position order (padded copies are never picked: undo < L), then mix the rounds by softmax of scores.
    const ret = reshape(batchedRows(reshape(attended, [n * nHashes, lp, channels]), reshape(undo, [n * nHashes, L])), [n, nHashes, L, channels]);
    const score = takeAlong(reshape(bucketScore, [n, nHashes, lp]), undo, 2);
    const probs = softmax(reshape(score, [n, nHashes, L, 1]), 1);
    const mixed = reduceSum(mul(ret, probs), 1); // [N, L, C]
    const out = reshape(transpose(mixed, [0, 2, 1]), [n, channels, h, w]);
    return add(mul(out, o.resScale), input);
  };
}

export const nlsn = defineModel({
  name: 'nlsn',
  displayName: 'NLSN',
  family: 'post-upsampling',
  upsampling: 'after: pixel-shuffle convs on LR features',
  scales: [2, 4, 8],
  input: 'lr',
  description:
    'EDSR-style residual blocks with non-local sparse attention: positions hashed by random rotations (LSH rounds), attention within sorted chunks',
  config: {
    n_resblocks: { type: 'integer', default: 32, min: 1, help: 'residual blocks; an attention module before the first and after every 8th' },
    n_feats: { type: 'integer', default: 256, min: REDUCTION, help: 'feature channels (a multiple of 4: the match embedding has n_feats / 4)' },
    n_hashes: { type: 'integer', default: 4, min: 1, help: 'hashing rounds of each attention module' },
    chunk_size: { type: 'integer', default: 144, min: 1, help: 'sorted positions per attention chunk; an LR input needs at least this many pixels' },
    res_scale: { type: 'number', default: 0.1, help: 'scale of the residual branches and of the attention output' },
    img_range: { type: 'number', default: 1, help: 'the mean-shift constants\' range (unused by the forward)' },
  },
  // 8 blocks (2 attention modules: before the first, after the 8th), 32 features, chunks of 4: the same layers
  // and attention paths at a fraction of the work; 4-pixel chunks fit the 2×2 LR patches of a 16-px HR crop at ×8.
  presets: { demo: { n_resblocks: 8, n_feats: 32, chunk_size: 4 } },
  staticSize: true,
  globalContext: true, // any position can share a hash bucket, and so a chunk, with any other
  // The convolutions' reach in LR px (head 1, 2 per block, the body's last conv 1, the upsampler and tail under 3);
  // the attention is global, so tiles only approximate a whole-image run (a 512-px test patch runs as one tile).
  halo: ({ config }) => 2 * config.n_resblocks + 5,
  build({ scale, config }, nn) {
    const { n_resblocks: blocks, n_feats: feats, n_hashes: nHashes, chunk_size: chunk, res_scale: resScale } = config;
    if (![2, 4, 8].includes(scale)) throw new SrcacoError('usage', `nlsn supports scales 2, 4, 8, received ${scale}`, { option: '--scale' });
    if (feats % REDUCTION !== 0) throw new RangeError(`n_feats ${feats} must be a multiple of ${REDUCTION}`);
    const attention = { channels: feats, nHashes, chunk, resScale };
    // Registration order of the original's constructor: sub_mean, add_mean, then head, body, tail.
    meanShift(nn, 'sub_mean', -1, config.img_range);
    meanShift(nn, 'add_mean', 1, config.img_range);
    const head = nn.scope('head').conv2d(0, 1, feats, 3, { padding: 1 });
    const body: Array<{ kind: 'block'; f: Layer } | { kind: 'attention'; f: (x: Tensor, r: Tensor) => Tensor }> = [];
    const at = () => nn.scope('body', body.length);
    body.push({ kind: 'attention', f: sparseAttention(at(), attention) });
    for (let i = 0; i < blocks; i++) {
      body.push({ kind: 'block', f: resBlock(at(), feats, resScale) });
      if ((i + 1) % 8 === 0) body.push({ kind: 'attention', f: sparseAttention(at(), attention) });
    }
    const bodyConv = nn.scope('body').conv2d(body.length, feats, feats, 3, { padding: 1 });
    const up = upsampler(nn.scope('tail', 0), scale, feats);
    const tail = nn.scope('tail').conv2d(1, feats, 1, 3, { padding: 1 });
    const modules = attentionCount(blocks);
    return (lr, ctx: ForwardContext) => {
      const [n, , h, w] = lr.shape;
      if (typeof h !== 'number' || typeof w !== 'number') {
        throw new SrcacoError('usage', `nlsn needs a static input size (its hash buckets and chunks follow the size), received ${lr.shape.join('×')}`);
      }
      if (h * w < chunk) {
        throw new SrcacoError('data', `nlsn needs at least chunk_size = ${chunk} LR pixels (H·W; e.g. ${Math.ceil(Math.sqrt(chunk))}×${Math.ceil(Math.sqrt(chunk))}) for its attention chunks, received ${w}×${h}`);
      }
      if (typeof n !== 'number') throw new SrcacoError('usage', `nlsn needs a static batch size, received ${lr.shape.join('×')}`);
      const rotationShape = [feats / REDUCTION, nHashes, hashBuckets(h * w, chunk) / 2];
      const fixed = ctx.noise ? null : seededRotations(modules, rotationShape);
      let k = 0;
      const rotations = () => {
        const i = k++;
        if (ctx.noise) return ctx.noise(rotationNoiseName(i), rotationShape, 'normal');
        const size = rotationShape.reduce((a, b) => a * b, 1);
        return constant(fixed!.subarray(i * size, (i + 1) * size), rotationShape);
      };
      const x = head(lr);
      let res = x;
      for (const m of body) res = m.kind === 'block' ? m.f(res) : m.f(res, rotations());
      res = add(bodyConv(res), x);
      return tail(up(res));
    };
  },
});
