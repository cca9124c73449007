/**
 * Performer's orthogonal random features (Choromanski et al. 2021; `gaussian_orthogonal_random_matrix` with
 * scaling 0, as ENLCN's attention draws its projection): rows in blocks of `cols` mutually orthogonal unit
 * vectors, each block the Q of a Gaussian matrix's QR, then every row scaled by the norm of an independent
 * Gaussian vector of `cols` entries, so that each row has the length distribution of a Gaussian row while the
 * rows of a block stay orthogonal (a lower-variance softmax-kernel estimate than i.i.d. rows).
 */
import type { Rng } from '../../util/random.js';

/**
 * An orthonormal cols×cols basis from a Gaussian matrix: Gram–Schmidt on its columns (twice, for float64
 * orthogonality), returned as rows. R's diagonal comes out positive, so the basis is Haar-distributed; LAPACK's
 * Householder QR (torch.linalg.qr) may flip a column's sign, which the symmetric Gaussian makes no difference to.
 */
function orthogonalBlock(cols: number, rng: Rng): Float64Array[] {
  // randn((cols, cols)) in row-major order; its columns are the vectors to orthogonalise.
  const g = Array.from({ length: cols * cols }, () => rng.normal());
  const basis: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const v = Float64Array.from({ length: cols }, (_, i) => g[i * cols + j]!);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < cols; i++) dot += q[i]! * v[i]!;
        for (let i = 0; i < cols; i++) v[i] = v[i]! - dot * q[i]!;
      }
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((x) => x / norm));
  }
  return basis;
}

/**
 * A [rows, cols] matrix of orthogonal random features drawn from `rng` (row-major float32): ⌈rows / cols⌉
 * orthogonal blocks (the last one truncated), then one Gaussian norm per row, in the original's draw order.
 */
export function gaussianOrthogonalRandomMatrix(rows: number, cols: number, rng: Rng): Float32Array {
  const blockRows: Float64Array[] = [];
  while (blockRows.length < rows) blockRows.push(...orthogonalBlock(cols, rng).slice(0, rows - blockRows.length));
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += rng.normal() ** 2;
    const scale = Math.sqrt(sq);
    for (let c = 0; c < cols; c++) out[r * cols + c] = scale * blockRows[r]![c]!;
  }
  return out;
}
