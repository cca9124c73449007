import assert from 'node:assert/strict';
import { Session, type HostTensor } from '../../../src/engine/runtime.js';

/** The largest |a[i] − b[i]| of two same-length arrays (a model's output against a reference's). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Runs an ONNX graph once on host tensors (2 threads) and releases its session. */
export async function runGraphOnce(bytes: Uint8Array, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const session = await Session.create(bytes, { threads: 2 });
  try {
    return await session.runHost(feeds);
  } finally {
    await session.release();
  }
}
