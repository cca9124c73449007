/** The model registry, the Model interface and `defineModel`. */
export { MODELS, buildModel, modelDef, modelNames, modelDisplayName, methodHelp, modelSummaries, modelTableMarkdown } from './registry.js';
export type { BuildModelOptions, ModelSummary } from './registry.js';
export { applyModel, defineModel, modelStepSpec } from './model.js';
export type { Model, ModelDef, ModelDefinition, ModelInfo, ModelFamily, ModelInput, ModelOutput, LossOn } from './model.js';
export type { ConfigField, ConfigSchema, ConfigValue, ConfigValues } from './config.js';
export { upsampleClamped } from './upsample.js';
export { antialiasBicubicMatrix } from './bicubic.js';
