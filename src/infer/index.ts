/** Whole-image inference: graphs, tiles, weights, export. */
export { inferenceGraph } from './graph.js';
export type { InferenceGraphOptions } from './graph.js';
export { Upscaler } from './upscaler.js';
export type { UpscalerOptions } from './upscaler.js';
export { axisTiles, runTiled } from './tiles.js';
export type { AxisTile, TiledOptions } from './tiles.js';
export { convertWeights, loadModelWeights, modelStateOf, readWeightsFile, type ConvertedWeights, type WeightsFile } from './weights.js';
export { exportOnnx } from './export.js';
export { upscaleTiffFile } from './upscale-file.js';
export type { UpscaleFileOptions, UpscaleFileResult } from './upscale-file.js';
export { bioimageioFiles, exportBioimageio } from './bioimageio.js';
export type { BioimageioOptions } from './bioimageio.js';
