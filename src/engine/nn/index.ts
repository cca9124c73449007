/** Parameter trees named like PyTorch state_dicts, their initial values, and forward helpers. */
export { conv2dSpecs, batchNorm2dSpecs, overrideInit, paramShapes, bufferShapes, countParams, defaultBound } from './spec.js';
export type { Init, ParamRole, ParamSpec, ParamSpecs } from './spec.js';
export { initState, splitState, mergeState, loadState, stateFromSafetensors, stateToSafetensors } from './state.js';
export type { StateDict } from './state.js';
export { forwardContext, conv, batchNorm } from './layers.js';
export type { ForwardContext, Vars } from './layers.js';
