/** The model registry and the Model interface. */
export { MODELS, buildModel, modelDef, modelNames } from './registry.js';
export type { BuildModelOptions } from './registry.js';
export { applyModel } from './model.js';
export type { Model, ModelDef, ModelFamily, ModelInput } from './model.js';
export { upsampleClamped } from './upsample.js';
export { antialiasBicubicMatrix } from './bicubic.js';
