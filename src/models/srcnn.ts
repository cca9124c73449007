/**
 * The original's SRCNN (dlib/models/network_srcnn.py `SRCNN`): on a cv2-bicubic input at HR size,
 * 5×5 conv 1→1024, ReLU, 1×1 1024→128, ReLU, 1×1 128→1, all with biases. Not the paper-classic 9-5-5
 * (that is `srcnn915`).
 */
import { constantInit, kaimingNormal, normalInit } from '../engine/nn/init.js';
import { relu } from '../engine/ops/elementwise.js';
import { defineModel, type ModelDef } from './model.js';

/** The three convolutions (in, out, kernel) of an SRCNN-shaped network: features.0, map.0, reconstruction. */
export type SrcnnLayers = readonly [readonly [number, number, number], readonly [number, number, number], readonly [number, number, number]];

/**
 * The registry entry of an SRCNN-shaped network (cv2-bicubic input, no hyper-parameters): conv → ReLU → conv →
 * ReLU → conv, each padded to keep the size, with the original's init: N(0, √(2/(out·k²))) weights, zero biases,
 * reconstruction N(0, 0.001).
 */
export function srcnnModelDef(name: string, displayName: string, [l1, l2, l3]: SrcnnLayers, description: string): ModelDef {
  return defineModel({
    name,
    displayName,
    family: 'pre-upsampling',
    upsampling: 'outside: OpenCV bicubic of the LR image to HR size, before the network',
    scales: [2, 4, 8],
    input: 'cv2-bicubic',
    description,
    halo: () => (l1[2] - 1) / 2 + (l2[2] - 1) / 2 + (l3[2] - 1) / 2, // HR px: the input is already at HR size
    build(_args, nn) {
      const init = { weight: kaimingNormal({ mode: 'fan_out' }), bias: constantInit(0) };
      const layer = (local: string, [i, o, k]: readonly [number, number, number], weight = init.weight) =>
        nn.conv2d(local, i, o, k, { padding: (k - 1) / 2, init: { ...init, weight } });
      const features = layer('features.0', l1);
      const map = layer('map.0', l2);
      const reconstruction = layer('reconstruction', l3, normalInit(0.001));
      return (x) => reconstruction(relu(map(relu(features(x)))));
    },
  });
}

export const srcnn = srcnnModelDef('srcnn', 'SRCNN', [[1, 1024, 5], [1024, 128, 1], [128, 1, 1]], "the original's SRCNN: 5×5 conv to 1024 channels, 1×1 to 128, 1×1 to 1 (ReLUs between)");
