import { SrcacoError } from '../errors.js';

/** Pixel storage of one plane: 8-bit, 16-bit or float32, row-major. */
export type PixelArray = Uint8Array | Uint16Array | Float32Array;
export type PixelType = 'uint8' | 'uint16' | 'float32';

/** One image plane (one marker at one resolution): `data[y * width + x]`. */
export interface Plane<T extends PixelArray = PixelArray> {
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

const constructors = { uint8: Uint8Array, uint16: Uint16Array, float32: Float32Array } as const;
type ArrayOf<P extends PixelType> = InstanceType<(typeof constructors)[P]>;

/** A zero-filled plane of the given size and pixel type. */
export function createPlane<P extends PixelType = 'float32'>(
  width: number,
  height: number,
  type: P = 'float32' as P,
): Plane<ArrayOf<P>> {
  checkSize(width, height);
  return { width, height, data: new constructors[type](width * height) as ArrayOf<P> };
}

/** Wraps existing pixels as a plane, checking that the length matches. */
export function planeOf<T extends PixelArray>(width: number, height: number, data: T): Plane<T> {
  checkSize(width, height);
  if (data.length !== width * height) {
    throw new RangeError(`plane data must have width*height = ${width * height} pixels, received ${data.length}`);
  }
  return { width, height, data };
}

/** The pixel type of a plane's storage. */
export function pixelTypeOf(data: PixelArray): PixelType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  return 'float32';
}

function checkSize(width: number, height: number): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new SrcacoError('usage', `${name} must be an integer >= 1, received ${v}`);
    }
  }
}
