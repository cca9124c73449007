/**
 * A bioimage.io model package (spec 0.5): rdf.yaml, the ONNX inference graph, a test input and its output as
 * .npy, a cover image and documentation, zipped (store-only). deepImageJ, ilastik and BiaPy run it from the
 * rdf alone: uint8 input scaled to [0, 1], output axes `scale` times the input's, halo from the receptive field.
 */
import { createHash } from 'node:crypto';
import { OPSET } from '../engine/onnx.js';
import type { StateDict } from '../engine/nn/state.js';
import { Session } from '../engine/runtime.js';
import { SrcacoError } from '../errors.js';
import { planeOf } from '../image/plane.js';
import { encodePng } from '../image/png.js';
import { resizeCubicCv2Uint8 } from '../image/resize-cv2.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encodeNpy } from '../io/npy.js';
import { zipStore } from '../io/zip-write.js';
import type { Model } from '../models/model.js';
import { modelDef } from '../models/registry.js';
import { bicubicBaseline } from '../metrics/bicubic-baseline.js';
import { Rng } from '../util/random.js';
import { inferenceGraph } from './graph.js';

export const BIOIMAGEIO_FORMAT_VERSION = '0.5.7';

const SR_CACO_2 = {
  text: 'Belharbi S, Whitford M, Hoang P, Murtaza S, McCaffrey L, Granger E. SR-CACO-2: A Dataset for Confocal Fluorescence Microscopy Image Super-Resolution. NeurIPS 2024 Datasets and Benchmarks.',
  doi: '10.48550/arXiv.2406.09168',
};

/** The paper of each network srcaco implements, cited beside SR-CACO-2. */
const NETWORK_CITATIONS: Readonly<Record<string, { text: string; doi: string }>> = {
  srcnn: { text: 'Dong C, Loy CC, He K, Tang X. Image Super-Resolution Using Deep Convolutional Networks. IEEE TPAMI 2016.', doi: '10.1109/TPAMI.2015.2439281' },
  srcnn915: { text: 'Dong C, Loy CC, He K, Tang X. Image Super-Resolution Using Deep Convolutional Networks. IEEE TPAMI 2016.', doi: '10.1109/TPAMI.2015.2439281' },
  vdsr: { text: 'Kim J, Lee JK, Lee KM. Accurate Image Super-Resolution Using Very Deep Convolutional Networks. CVPR 2016.', doi: '10.1109/CVPR.2016.182' },
  drrn: { text: 'Tai Y, Yang J, Liu X. Image Super-Resolution via Deep Recursive Residual Network. CVPR 2017.', doi: '10.1109/CVPR.2017.298' },
  memnet: { text: 'Tai Y, Yang J, Liu X, Xu C. MemNet: A Persistent Memory Network for Image Restoration. ICCV 2017.', doi: '10.1109/ICCV.2017.486' },
};

export interface BioimageioOptions {
  /** Package authors (the people who trained the weights); default "srcaco". */
  authors?: readonly string[];
  /** SPDX licence of the weights (default MIT, srcaco's). */
  license?: string;
  /** What the weights were trained on, for the description, e.g. "SR-CACO-2 CELL2, train split". */
  trainedOn?: string;
  /** Side of the LR test input (default 48). */
  testSide?: number;
  /** The package's timestamp (default now). */
  now?: Date;
}

/** The test image: uint8 cell-like texture (bright blobs on a dark noisy background), deterministic. */
function testImage(side: number): Uint8Array {
  const rng = new Rng(11);
  const blobs = Array.from({ length: 6 }, () => [rng.uniform() * side, rng.uniform() * side, 3 + rng.uniform() * side * 0.15] as const);
  return Uint8Array.from({ length: side * side }, (_, i) => {
    const [x, y] = [i % side, Math.floor(i / side)];
    const v = blobs.reduce((a, [bx, by, r]) => a + 180 * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * r * r)), 8 + rng.uniform() * 16);
    return Math.min(255, Math.round(v));
  });
}

/** The package's files (name → bytes), rdf.yaml first. */
export async function bioimageioFiles(model: Model, state: StateDict, o: BioimageioOptions = {}): Promise<Array<{ name: string; data: Uint8Array }>> {
  if (model.staticSize) throw new SrcacoError('usage', `${model.name} has no size-independent graph to package`, { option: '--format' });
  if (model.halo === undefined) throw new SrcacoError('internal', `${model.name} declares no receptive field (halo)`);
  const info = modelDef(model.name);
  const s = model.scale;
  const hrInput = model.input === 'cv2-bicubic';
  const side = o.testSide ?? 48;
  const lr = testImage(side);
  // The raw test input is what a user feeds (uint8 values, as float32); preprocessing divides by 255.
  const raw = hrInput ? resizeCubicCv2Uint8(planeOf(side, side, lr), side * s, side * s).data : lr;
  const inSide = hrInput ? side * s : side;
  const x = Float32Array.from(raw, (v) => v / 255);
  const onnx = inferenceGraph(model, state);
  const session = await Session.create(onnx, { threads: 1 });
  let y: Float32Array;
  try {
    y = (await session.runHost({ x: { shape: [1, 1, inSide, inSide], data: x } })).y!.data as Float32Array;
  } finally {
    await session.release();
  }
  const outSide = side * s;
  const toU8 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  // Cover: bicubic (left) and the model (right) at HR size.
  const bic = bicubicBaseline(planeOf(side, side, lr), s).data;
  const cover = new Uint8Array(outSide * 2 * outSide);
  for (let r = 0; r < outSide; r++) {
    for (let c = 0; c < outSide; c++) {
      cover[r * 2 * outSide + c] = toU8(bic[r * outSide + c]!);
      cover[r * 2 * outSide + outSide + c] = toU8(y[r * outSide + c]!);
    }
  }
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const testIn = encodeNpy([1, 1, inSide, inSide], Float32Array.from(raw));
  const testOut = encodeNpy([1, 1, outSide, outSide], y);
  const name = `SR-CACO-2 ${info.displayName} x${s}`;
  const cites = [SR_CACO_2, ...(NETWORK_CITATIONS[model.name] ? [NETWORK_CITATIONS[model.name]!] : [])];
  // Input pixels a tile must have beyond what it keeps, in output pixels (bioimage.io's halo is the output's).
  const haloOut = hrInput ? model.halo : model.halo * s;
  const inputPixels = hrInput ? 'the LR image upsampled to HR size by OpenCV bicubic (cv2.resize INTER_CUBIC, uint8)' : 'the LR image';
  const documentation = [
    `# ${name}`,
    '',
    `${info.displayName} (${info.description}) super-resolving confocal fluorescence microscopy by x${s}, exported by srcaco.`,
    o.trainedOn ? `Trained on ${o.trainedOn}.` : '',
    '',
    '## Input and output',
    `- input \`x\`: ${inputPixels}, one channel, uint8 0..255 (preprocessing divides by 255).`,
    `- output \`y\`: the HR image in [0, 1], ${hrInput ? 'the size of the input' : `${s} times the input's size along y and x`}.`,
    model.globalContext
      ? `- halo: ${haloOut} output pixels of context: the network sees the whole input, so tiles with this much context approximate the whole-image output, not equal it.`
      : `- halo: ${haloOut} output pixels (the receptive field): tiles with this much context give exactly the whole-image output.`,
    '',
    '## Citation',
    ...cites.map((c) => `- ${c.text} doi:${c.doi}`),
    '',
  ].filter((l, i, a) => l !== '' || a[i - 1] !== '').join('\n');
  const space = (id: string) => ({ type: 'space', id, size: { min: 2 * model.halo! + 1, step: 1 }, unit: 'micrometer', scale: 1 });
  const outSpace = (id: string) => ({ type: 'space', id, size: { tensor_id: 'x', axis_id: id }, unit: 'micrometer', scale: hrInput ? 1 : 1 / s, halo: haloOut });
  const rdf = {
    format_version: BIOIMAGEIO_FORMAT_VERSION,
    type: 'model',
    name,
    description: `${info.displayName} x${s} super-resolution of confocal fluorescence microscopy (SR-CACO-2 benchmark), exported by srcaco`.slice(0, 1024),
    authors: (o.authors?.length ? o.authors : ['srcaco']).map((n) => ({ name: n })),
    packaged_by: [{ name: 'srcaco' }],
    cite: cites,
    license: o.license ?? 'MIT',
    tags: ['super-resolution', 'fluorescence-light-microscopy', 'confocal', '2d', 'pytorch-port', 'sr-caco-2', model.name],
    covers: ['cover.png'],
    documentation: 'documentation.md',
    timestamp: (o.now ?? new Date()).toISOString(),
    inputs: [{
      id: 'x',
      description: inputPixels,
      axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['intensity'] }, space('y'), space('x')],
      test_tensor: { source: 'test_input.npy', sha256: sha(testIn) },
      data: { type: 'float32', range: [0, 255] },
      preprocessing: [{ id: 'ensure_dtype', kwargs: { dtype: 'float32' } }, { id: 'scale_linear', kwargs: { gain: 1 / 255, offset: 0 } }],
    }],
    outputs: [{
      id: 'y',
      description: 'the super-resolved image in [0, 1]',
      axes: [{ type: 'batch' }, { type: 'channel', channel_names: ['intensity'] }, outSpace('y'), outSpace('x')],
      test_tensor: { source: 'test_output.npy', sha256: sha(testOut) },
      data: { type: 'float32', range: [0, 1] },
    }],
    weights: { onnx: { source: 'weights.onnx', sha256: sha(onnx), opset_version: OPSET } },
  };
  // JSON is YAML 1.2: every YAML reader (ruyaml as the spec recommends, PyYAML, SnakeYAML) reads this rdf.yaml.
  const enc = new TextEncoder();
  const png = encodePng({ width: 2 * outSide, height: outSide, channels: 1, data: cover });
  return [
    { name: 'rdf.yaml', data: enc.encode(`${JSON.stringify(rdf, null, 2)}\n`) },
    { name: 'weights.onnx', data: onnx },
    { name: 'test_input.npy', data: testIn },
    { name: 'test_output.npy', data: testOut },
    { name: 'cover.png', data: png },
    { name: 'documentation.md', data: enc.encode(documentation) },
  ];
}

/** Writes the bioimage.io package of `model` with `state` as the zip `path` (atomically). */
export async function exportBioimageio(model: Model, state: StateDict, path: string, o: BioimageioOptions = {}): Promise<void> {
  await writeFileAtomic(path, zipStore(await bioimageioFiles(model, state, o)));
}
