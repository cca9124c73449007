import type { Cell, Scale, SplitName, SrScale } from '../io/layout.js';
import type { ResultRow } from '../metrics/aggregate.js';
import type { ModelInput } from '../models/model.js';

/**
 * What the viewer found under the folders it serves: split pair lists, tiles, training runs and evaluation rows.
 * Every path is '/'-separated and relative to its served folder (`root`, an index into `roots`), the form the
 * browser asks for files in.
 */
export interface ViewIndex {
  roots: Array<{ index: number; name: string }>;
  splits: ViewSplit[];
  tiles: Array<{ root: number; path: string; scale: Scale; tileId: number }>;
  runs: ViewRun[];
  evals: ViewEval[];
  /** Folders or files that looked like data but could not be read (one line each). */
  problems: string[];
}

export interface ViewSplit {
  root: number;
  /** The split folder; its parent is the data root its pair list is relative to. */
  folder: string;
  split: SplitName;
  scale: SrScale;
  cell: Cell;
  pairs: Array<{ id: string; lr: string; hr: string }>;
}

export interface ViewRun {
  root: number;
  dir: string;
  method: string;
  scale: number;
  cell: string | null;
  /** How the model is fed: the LR, or its OpenCV bicubic at HR size. */
  input: ModelInput;
  /** best.onnx and its size, or null before the run's first validation. */
  onnx: string | null;
  onnxBytes: number | null;
  /** LR pixels of context beyond a window for its output to equal the whole image's (null: not declared). */
  haloLr: number | null;
  /** LR pixels a window's read must start at a multiple of (Model.tileAlign: a window model); absent: 1. */
  tileAlignLr?: number;
}

export interface ViewEval {
  root: number;
  /** The row (`<method>_<cell>_x<s>_<split>.json`) and its per-image lines (`.jsonl`), when present. */
  path: string;
  details: string | null;
  row: ResultRow;
  /** The run folder the row belongs to, when it lies in one's eval/. */
  run: string | null;
}
