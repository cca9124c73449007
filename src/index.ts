// The public API of srcaco: explicit named exports only (see test/api.test.ts).
export { SrcacoError, isSrcacoError } from './errors.js';
export type { SrcacoErrorKind, SrcacoErrorOptions } from './errors.js';
