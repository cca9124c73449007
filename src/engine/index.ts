/**
 * The engine's public surface: trace models over symbolic tensors, differentiate, compile to ONNX, run on
 * ONNX Runtime. See docs/engine.md for a worked example.
 */
export type { Dim, Shape } from './dims.js';
export { Tensor, input, constant, scalarLike } from './tensor.js';
export type { DType, ConstData } from './tensor.js';

export * from './ops/elementwise.js';
export { reduceSum, reduceMean, reduceMax, expand, sumTo, variance, logSumExp } from './ops/reduce.js';
export { argsort, argmax } from './ops/sort.js';
export { takeAlong, scatterAddAlong } from './ops/take-along.js';
export { reshape, transpose, concat, slice, padConstant, padAxis, gather0, scatterAdd0 } from './ops/shape.js';
export { unsqueeze, squeeze, flip, split, roll, pad2d, pixelShuffle, pixelUnshuffle, gather, stack, flatten } from './ops/layout.js';
export type { PadMode } from './ops/layout.js';
export { windowPartition, windowReverse, shiftedWindowMask } from './ops/window.js';
export { conv2d, convTranspose2d } from './ops/conv.js';
export { convWeightGrad } from './ops/conv-weight-grad.js';
export type { Conv2dOptions, ConvGradient } from './ops/conv.js';
export { matmul, mT, linear } from './ops/linalg.js';
export { gelu, silu, softmax, logSoftmax, layerNorm, batchNorm2d, mseLoss, l1Loss, maxPool2d, avgPool2d, globalAvgPool2d } from './ops/nn.js';
export type { BatchNormState } from './ops/nn.js';
export { resize, resizeMatrix, resizeMatrixTo, resizeTo } from './ops/resize.js';
export { cropTo, cropToMultiple, fitLike, padToMultiple, paddedSize, PAD_TO_PRIMITIVES } from './ops/pad-to.js';
export { l2Normalize } from './ops/normalize.js';
export type { ResizeMode } from './ops/resize.js';
export { fft2, fft2Abs, fftShift2d, magnitude, halfRoll } from './ops/fft.js';
export { unfold, fold } from './ops/unfold.js';
export type { UnfoldOptions } from './ops/unfold.js';
export { definePrimitive, primitives, apply } from './ops/registry.js';
export type { Primitive, LowerCtx, AttrValue, TensorType } from './ops/registry.js';

export { grad, valueAndGrad, zerosLike } from './grad.js';
export { remat } from './remat.js';
export { topoSort, checkGraph } from './graph.js';
export { toOnnx, OPSET } from './onnx.js';
export { compileFunction } from './compile.js';
export type { CompileFunctionSpec } from './compile.js';
export type { GraphSpec } from './onnx.js';
export { compileTarget, nchwcBlockSize } from './target.js';
export type { CompileTarget, CompileTargetOptions } from './target.js';
export { compileStep, stepNames } from './step.js';
export type { Optimizer, StepSpec, CompiledStep, LossResult, TensorSpec, NoiseSource } from './step.js';
export { drawNoise } from './noise.js';
export type { NoiseKind, NoiseSpec } from './noise.js';
export { Session, EXECUTION_PROVIDERS, toHost, filledHost } from './runtime.js';
export type { Device, SessionOptions, HostTensor, DeviceValue } from './runtime.js';
export { StepRunner } from './step-runner.js';
export type { StepInit } from './step-runner.js';
export * from './optim/index.js';
