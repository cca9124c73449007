/** The model builder: parameter trees named like PyTorch state_dicts, their initial values, and layers. */
export { paramShapes, bufferShapes, countParams } from './spec.js';
export type { Init, ParamRole, ParamSpec, ParamSpecs } from './spec.js';
export { kaimingNormal, kaimingUniform, truncNormal, constantInit, normalInit, torchDefaultWeight, torchDefaultBias, fans } from './init.js';
export type { InitRule, KaimingOptions, FanMode } from './init.js';
export { buildModule, Scope } from './module.js';
export type { BuiltModule, Kernel, LayerInit, Conv2dLayerOptions, ConvTranspose2dLayerOptions, LinearOptions, LayerNormOptions, BatchNorm2dOptions } from './module.js';
export { initState, splitState, mergeState, loadState, stateFromSafetensors, stateToSafetensors } from './state.js';
export type { StateDict } from './state.js';
export { forwardContext } from './layers.js';
export type { ForwardContext, Vars } from './layers.js';
export { dropPath, dropPathWithNoise } from './drop-path.js';
