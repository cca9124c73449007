/**
 * The classic 9-5-5 SRCNN (Dong et al. 2014; the original's `BasicSRCNN`): on a cv2-bicubic input at HR size,
 * 9×9 conv 1→64, ReLU, 5×5 64→32, ReLU, 5×5 32→1. Same init rule as the original's SRCNN.
 */
import type { SrcnnLayers } from './srcnn.js';
import { srcnnModelDef } from './srcnn.js';

const LAYERS: SrcnnLayers = [
  ['features.0', 1, 64, 9],
  ['map.0', 64, 32, 5],
  ['reconstruction', 32, 1, 5],
];

export const srcnn915 = srcnnModelDef(
  'srcnn915',
  LAYERS,
  'the classic SRCNN 9-5-5 (64 and 32 channels); small and fast, a reference point for the engine',
);
