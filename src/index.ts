// The public API of srcaco: explicit named exports only (see test/api.test.ts).
export { EXIT_INTERRUPTED, SrcacoError, isSrcacoError } from './errors.js';
export type { SrcacoErrorKind, SrcacoErrorOptions } from './errors.js';

// Images
export { createPlane, planeOf, pixelTypeOf } from './image/plane.js';
export type { Plane, PixelArray, PixelType } from './image/plane.js';
export { Rng } from './util/random.js';
export { defaultWorkers } from './util/worker-pool.js';

// I/O: TIFF, dataset layout, splits, safetensors
export { OmeTiffWriter, openTiff, readTiff, TiffFile, TiffStripWriter, writeTiff } from './io/tiff.js';
export { decodeNpy, encodeNpy } from './io/npy.js';
export { zipStore } from './io/zip-write.js';
export type {
  OmeTiffWriterOptions,
  OpenTiffOptions,
  PixelWindow,
  TiffPage,
  TiffPlaneRef,
  TiffReadStats,
  TiffStripWriterOptions,
  TiffWriteOptions,
} from './io/tiff.js';
export {
  CELLS,
  SPLITS,
  SR_SCALES,
  TILE_FOLDERS,
  HR_PATCH_PX,
  HR_MARGIN_PX,
  PAIR_LIST_FILES,
  tilePath,
  parseTilePath,
  scaleOfFolder,
  patchPath,
  parsePatchPath,
  lrPatchOf,
  splitFolderName,
  parseSplitFolderName,
  formatPairList,
  parsePairList,
} from './io/layout.js';
export type { Cell, PatchName, Scale, SplitName, SrScale } from './io/layout.js';
export { readSplitPairs, type SplitPairFiles } from './io/split-pairs.js';
export {
  DEFAULT_TILE_SPLIT,
  TILE_IDS,
  readTileSplit,
  validateTileSplit,
  formatTileSplit,
  splitOfTile,
} from './io/tile-split.js';
export type { TileSplit } from './io/tile-split.js';
export {
  readSafetensors,
  writeSafetensors,
  parseSafetensors,
  serializeSafetensors,
  tensorToFloat32,
} from './io/safetensors.js';
export { readPth, parsePth, NEST_KEYS, type PthContent } from './io/pth.js';
export type { SafeTensor, SafetensorsContent, SafetensorsDtype } from './io/safetensors.js';
export { writeFileAtomic } from './io/atomic.js';

// Training data
export { learningRateAt, protocolSchedule, type StepSchedule } from './train/schedule.js';
export { dihedral, inverseDihedral, type DihedralMode } from './train/augment-dihedral.js';
export { augmentLr, defaultLrAugment, type LrAugmentOptions } from './train/augment-lr.js';
export {
  samplePatch,
  defaultPatchOptions,
  type PatchOptions,
  type TrainPair,
  type TrainPatch,
} from './train/data-patch.js';
export {
  buildBatch,
  batchStream,
  type BatchOptions,
  type BatchStream,
  type PairSource,
  type TrainBatch,
} from './train/data-batch.js';
export { openPairSource, type PairSourceSpec } from './train/data-source.js';
export { TrainPrefetcher, type PrefetchOptions } from './train/data-prefetch.js';
export { samplingRoi, drawCentreOrigin, alignCrop } from './train/sampler-crop.js';
export type { TrainSamplerState } from './train/sampler-epoch.js';

// Metrics and evaluation
export { pairMetrics, pairMetrics255, psnrFromMse, type PairMetricsOptions } from './metrics/pair-metrics.js';
export { quantizeTo255 } from './metrics/quantize.js';
export { ssimMapValid, gaussianWindow1d, SsimScratch, type SsimOptions } from './metrics/ssim-map.js';
export { DEFAULT_ROI_THRESHOLDS, METRIC_NAMES, type MetricValues, type PairMetrics } from './metrics/types.js';
export {
  aggregateMetrics,
  meanMetrics,
  type ImageMetrics,
  type ResultRow,
  type MaybeMetricValues,
} from './metrics/aggregate.js';
export { evaluateSplit, type EvaluateSplitOptions } from './metrics/evaluate-split.js';
export { bicubicBaseline } from './metrics/bicubic-baseline.js';
export {
  buildResultTable,
  tableToMarkdown,
  tableToCsv,
  tableToHtml,
  type TablePart,
  type ResultTable,
} from './metrics/result-table.js';
export {
  tableStatistics,
  type EvaluatedRow,
  type RowStatistics,
  type PairedDifference,
  type TableStatisticsOptions,
} from './metrics/row-statistics.js';
export { wilcoxonSignedRank, type WilcoxonResult, type Alternative } from './stats/wilcoxon.js';
export { steelTest, type SteelOptions, type SteelResult } from './stats/steel.js';
export { holmAdjust } from './stats/holm.js';
export { tMeanCi, bootstrapMeanCi, type MeanCi } from './stats/mean-ci.js';
export { normalCdf, normalQuantile } from './stats/normal.js';
export { resizeBicubic, cubicKernel, type ResizeBicubicOptions } from './image/resize-bicubic.js';
export { resizeCubicCv2, resizeCubicCv2Uint8 } from './image/resize-cv2.js';
export { resizeNearest } from './image/resize-nearest.js';
export { encodePng } from './image/png.js';
export type { PngImage } from './image/png.js';

// Report
export { buildReport } from './report/build-report.js';
export type { BuildReportOptions, BuiltReport, ReportNote } from './report/build-report.js';
export type { CropSet } from './report/crops.js';
export { readCropSets, writeCropSets } from './report/crop-files.js';
export { reportResults } from './report/results-json.js';
export type { ReportResult, ReportMetrics } from './report/results-json.js';
export { scalePlotSvg } from './report/figure-scale-plot.js';

// Simulator
export { simulateDataset } from './sim/dataset.js';
export type { SimulateDatasetOptions, SimulateDatasetResult } from './sim/dataset.js';
export { simulateTile } from './sim/tile.js';
export type { SimulatedTile } from './sim/tile.js';
export { buildTileModel } from './sim/band.js';
export { defaultSimParams, psfSigmaHrPx } from './sim/params.js';
export { nucleusTruth, tileNucleusTruth, type NucleusTruth, type NucleusTruthMap } from './sim/nuclei.js';

// Downstream (nucleus counts)
export { detectNucleiClassical, type ClassicalDetectorOptions, type Detection } from './downstream/detect-classical.js';
export { matchInstances, type MatchOptions, type MatchResult } from './downstream/match.js';
export { StarDetector, readStarWeights, starInferenceGraph, SHIPPED_STAR_WEIGHTS, type StarDetectorOptions } from './downstream/detect-stardist.js';
export { openDetector, type NucleusDetector } from './downstream/open-detector.js';
export { trainStarDetector, type StarTrainOptions } from './downstream/train-stardist.js';
export { starLoss } from './downstream/star-loss.js';
export { edtProb, starDist } from './downstream/star-targets.js';
export { runDownstream, readDownstream, type DownstreamOptions, type DownstreamResult } from './downstream/downstream.js';
export type { SimParams } from './sim/params.js';
export type { Truth, TileTruth } from './sim/truth.js';

// Training: optimizers, losses
export { sgd, adam, adamW, clipGradNorm, type SgdOptions, type AdamOptions } from './engine/optim/index.js';
export { importOriginalRun, originalRunModel, type ImportRunOptions } from './train/import-run.js';
export { lossByName, LOSS_NAMES, mseSsimLoss, charbonnierLoss, type LossFn, type LossOptions } from './train/loss.js';
export { ssimLossTerm, SSIM_LOSS_DEFAULTS, type SsimLossOptions } from './train/loss-ssim.js';

// Models and inference
export {
  buildModel,
  modelDef,
  modelNames,
  modelDisplayName,
  modelSummaries,
  modelTableMarkdown,
  MODELS,
  applyModel,
  defineModel,
  type Model,
  type ModelDef,
  type ModelDefinition,
  type ModelFamily,
  type ModelInput,
  type ModelOutput,
  type ModelSummary,
  type LossOn,
  type ConfigField,
  type ConfigSchema,
  type ConfigValue,
  type BuildModelOptions,
} from './models/index.js';
export {
  buildModule,
  Scope,
  kaimingNormal,
  kaimingUniform,
  truncNormal,
  constantInit,
  normalInit,
  paramShapes,
  bufferShapes,
  countParams,
  initState,
  splitState,
  mergeState,
  loadState,
  stateFromSafetensors,
  stateToSafetensors,
  forwardContext,
  type ParamSpec,
  type ParamSpecs,
  type Init,
  type InitRule,
  type BuiltModule,
  type StateDict,
  type ForwardContext,
} from './engine/nn/index.js';
export {
  inferenceGraph,
  Upscaler,
  upscaleTiffFile,
  loadModelWeights,
  modelStateOf,
  readWeightsFile,
  convertWeights,
  exportOnnx,
  axisTiles,
  exportBioimageio,
  type UpscalerOptions,
  type UpscaleFileResult,
  type BioimageioOptions,
} from './infer/index.js';

// Registration
export {
  estimateShift,
  estimateShiftJoint,
  applyShift,
  registerWindow,
  registerWindowSeedCompat,
  REGISTRATION_MARGIN_HR_PX,
  type RegistrationMode,
  type ShiftEstimate,
} from './prep/register.js';
export { opticalFlowTvl1, type Flow } from './prep/registration/tvl1.js';

// Tiles to patches, audit, statistics
export {
  prepDataset,
  readManifest,
  MANIFEST_FILE,
  PREP_CONFIG_FILE,
  type PrepOptions,
  type PrepSummary,
  type PrepConfig,
} from './prep/prep-dataset.js';
export {
  windowGrid,
  acceptsWindow,
  acceptanceSquare,
  WINDOW_HR_PX,
  STRIDE_HR_PX,
  MARGIN_HR_PX,
  PATCH_HR_PX,
  ROI_THRESHOLD,
  MIN_FOREGROUND_FRACTION,
  type PrepMode,
  type HrWindow,
} from './prep/windows.js';
export { cutTilePatches, acceptedWindows, type TileBandReader, type ManifestEntry } from './prep/cut-tile.js';
export { memoryTileReader, openTileReader } from './prep/tile-reader.js';
export { findTiles, inspectTile, type TileFiles } from './prep/tile-set.js';
export { auditDataset } from './prep/audit.js';
export { formatAuditReport, type AuditReport, type AuditLeak, type AuditProblem } from './prep/audit-report.js';
export { datasetStats, type StatsResult } from './prep/stats.js';
export type { Table1, Table6Row } from './prep/stats-tables.js';
export type { LrComparison } from './prep/stats-lr.js';
export {
  linePlotSvg,
  histogramSvg,
  histogram,
  type Histogram,
  type PlotSeries,
  type PlotOptions,
} from './report/plot-svg.js';

// The engine: a namespace, since its ops have short names (add, log, ...)
export * as engine from './engine/index.js';

// Training runs
export { startRun, resumeRun, type StartRunOptions, type ResumeOverrides } from './train/run.js';
export {
  trainLoop,
  zeroLastLayer,
  type TrainHooks,
  type TrainProgress,
  type TrainResult,
  type ValidationRecord,
} from './train/loop.js';
export {
  resolveTrainConfig,
  TRAIN_DEFAULTS,
  modelOfConfig,
  trainDatasetName,
  softwareVersions,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type TrainConfig,
  type RunConfigFile,
} from './train/run-config.js';
export {
  RunFolder,
  runFolderPath,
  trainingFinished,
  type CheckpointTag,
  type CreateRunOptions,
  type RunCheckpoint,
  type RunCheckpointMeta,
  type RunFolderConfig,
} from './train/run-folder.js';
export { evaluateRun, type EvaluateRunOptions } from './train/run-eval.js';
export { loadSplitPairs, measureModel, type SplitPair, type MeasureModelOptions } from './train/validate.js';
