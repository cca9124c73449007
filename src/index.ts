// The public API of srcaco: explicit named exports only (see test/api.test.ts).
export { SrcacoError, isSrcacoError } from './errors.js';
export type { SrcacoErrorKind, SrcacoErrorOptions } from './errors.js';

// Images
export { createPlane, planeOf, pixelTypeOf } from './image/plane.js';
export type { Plane, PixelArray, PixelType } from './image/plane.js';
export { Rng } from './util/random.js';

// I/O: TIFF, dataset layout, splits, safetensors
export { openTiff, readTiff, TiffFile, TiffStripWriter, writeTiff } from './io/tiff.js';
export type {
  OpenTiffOptions,
  PixelWindow,
  TiffPage,
  TiffPlaneRef,
  TiffReadStats,
  TiffStripWriterOptions,
  TiffWriteOptions,
} from './io/tiff.js';
export {
  CELLS,
  SPLITS,
  SR_SCALES,
  TILE_FOLDERS,
  HR_PATCH_PX,
  HR_MARGIN_PX,
  PAIR_LIST_FILES,
  tilePath,
  parseTilePath,
  scaleOfFolder,
  patchPath,
  parsePatchPath,
  lrPatchOf,
  splitFolderName,
  parseSplitFolderName,
  formatPairList,
  parsePairList,
} from './io/layout.js';
export type { Cell, PatchName, Scale, SplitName, SrScale } from './io/layout.js';
export {
  DEFAULT_TILE_SPLIT,
  TILE_IDS,
  readTileSplit,
  validateTileSplit,
  formatTileSplit,
  splitOfTile,
} from './io/tile-split.js';
export type { TileSplit } from './io/tile-split.js';
export {
  readSafetensors,
  writeSafetensors,
  parseSafetensors,
  serializeSafetensors,
  tensorToFloat32,
} from './io/safetensors.js';
export type { SafeTensor, SafetensorsContent, SafetensorsDtype } from './io/safetensors.js';
export { writeFileAtomic } from './io/atomic.js';

// Training data
export { learningRateAt, protocolSchedule, type StepSchedule } from './train/schedule.js';
export { dihedral, inverseDihedral, type DihedralMode } from './train/augmentDihedral.js';
export { augmentLr, defaultLrAugment, type LrAugmentOptions } from './train/augmentLr.js';
export {
  samplePatch,
  defaultPatchOptions,
  type PatchOptions,
  type TrainPair,
  type TrainPatch,
} from './train/dataPatch.js';
export {
  buildBatch,
  batchStream,
  type BatchOptions,
  type BatchStream,
  type PairSource,
  type TrainBatch,
} from './train/dataBatch.js';
export { readPairFiles, openPairSource, type PairSourceSpec } from './train/dataSource.js';
export { TrainPrefetcher, type PrefetchOptions } from './train/dataPrefetch.js';
export { samplingRoi, drawCentreOrigin, alignCrop } from './train/samplerCrop.js';
export type { TrainSamplerState } from './train/samplerEpoch.js';
