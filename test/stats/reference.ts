// The reference values of scripts/fixtures/stats-reference.py (scipy, and Steel's test from its definition).
import { readFileSync } from 'node:fs';

export const reference = JSON.parse(readFileSync(new URL('../fixtures/stats/reference.json', import.meta.url), 'utf8'));

/** |a − b| ≤ tol·max(1, |b|). */
export function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
