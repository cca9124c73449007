/** Optimizers written with ops, applied inside the compiled training step (see compileStep). */
export { sgd } from './sgd.js';
export type { SgdOptions } from './sgd.js';
export { adam, adamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { clipGradNorm } from './clip.js';
