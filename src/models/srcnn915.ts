/**
 * The classic 9-5-5 SRCNN (Dong et al. 2014; the original's `BasicSRCNN`): on a cv2-bicubic input at HR size,
 * 9×9 conv 1→64, ReLU, 5×5 64→32, ReLU, 5×5 32→1. Same init rule as the original's SRCNN.
 */
import { srcnnModelDef } from './srcnn.js';

export const srcnn915 = srcnnModelDef(
  'srcnn915',
  'SRCNN-915',
  [[1, 64, 9], [64, 32, 5], [32, 1, 5]],
  'the classic SRCNN 9-5-5 (64 and 32 channels); small and fast, a reference point for the engine',
);
