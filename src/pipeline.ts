/**
 * `jaynes/pipeline`: the building blocks under the library API — byte-source pools, accumulators,
 * readers' helpers, executors and worker threads, the dynamics statistics, the parts of a batch
 * scan. For tools built on jaynes's internals; unlike the package root (`jaynes`), these may change
 * in any 0.x release.
 *
 * Adding an export: one line in its group, with a doc comment on the declaration.
 *
 * @packageDocumentation
 */

// ── Byte sources and locations ──────────────────────────────────────────────────────────────────
export { SourcePool, forgetByteSource } from "./io/byteSource.js";
export { removeTempCopies } from "./io/tempFile.js";
export { HubFileSource } from "./io/hub/index.js";
export type { HubFile } from "./io/hub/repo.js";

// ── Readers ─────────────────────────────────────────────────────────────────────────────────────
export { readSafetensorsHeader } from "./formats/safetensors.js";
export { filesInTree, modelsAmong, type ModelsAmongOptions } from "./formats/open.js";
export type { SafetensorsHeader } from "./formats/safetensors.js";

// ── Accumulation: tensors → statistics ──────────────────────────────────────────────────────────
export { accumulateTensor, type AccumulateOptions } from "./analysis/accumulate.js";
export { countCodes16, countCodes8, mergeCodeTables, newCodeTable, statisticsFromCodeTable } from "./stats/codeTable.js";
export { FloatScan, type FloatScanState } from "./stats/floatScan.js";
export { bucketCuts, countAboveCuts, gridsFromCuts, type BucketCuts } from "./stats/bucketCuts.js";
export { layerGrids, type FineTable, type GridCounts, type GridSpec, type LayerNormaliser } from "./stats/layerHistograms.js";
export { statisticsFromScan } from "./stats/valueStatistics.js";
export { statisticsFromValueCounts } from "./stats/keyedCounts.js";
export { mergeCounts, mergeSummaries } from "./stats/valueSummary.js";
export { InlineExecutor, defaultJobs, type Executor } from "./parallel/executor.js";
export { WorkerPool } from "./parallel/pool.js";
export { runAccumulateTask, type AccumulateResult, type AccumulateTask, type HistogramTask } from "./parallel/tasks.js";
export type { CrcPart } from "./io/crc32.js";

// ── Per-layer results ───────────────────────────────────────────────────────────────────────────
export { FIRST_BIN_LIMIT, LEVELS_PER_BIN, layerResult, type TensorIdentity } from "./analysis/layerResult.js";
export { summarizeLayers } from "./analysis/summary.js";
export { bestByAic, expectedCounts, fittedCurve } from "./analysis/evidence.js";
export { lognormalStart, type LognormalStart } from "./stats/lognormal.js";
export { logBinMasses } from "./stats/sizeWeightedFamily.js";
export { logProbabilities } from "./stats/multinomial.js";
export { teleodynamicParameters } from "./stats/teleodynamics.js";

// ── Training dynamics statistics ────────────────────────────────────────────────────────────────
export { openCheckpointSeries, orderCheckpoints, type Checkpoint, type CheckpointSeries } from "./analysis/dynamics/checkpoints.js";
export { DEFAULT_FLUCTUATION_SETTINGS, absoluteIncrements, analyzeFluctuations, type FluctuationSettings } from "./analysis/dynamics/fluctuations.js";
export { DEFAULT_SPECTRUM_SETTINGS, analyzeSpectrum, type SpectrumSettings } from "./analysis/dynamics/spectrum.js";
export { readElements, type ReadElementsOptions } from "./analysis/readElements.js";
export { sampleIndices } from "./stats/indexSample.js";
export { logHistogram, type LogHistogram } from "./stats/logHistogram.js";
export { fitPowerLaw, type PowerLawFit } from "./stats/powerLaw.js";
export { fitPowerLawOnRange, selectPowerLawRange, type PowerLawRangeFit, type PowerLawRangeOptions } from "./stats/powerLawRange.js";
export type { SortedSampleView } from "./stats/sortedSample.js";
export { fitGaussianTail, type GaussianTailFit } from "./stats/gaussianTail.js";
export { averagedPowerSpectrum, seriesPeriodograms, type PowerSpectrum } from "./stats/powerSpectrum.js";
export { RealDft } from "./stats/dft.js";
export { summarizeNull, summarizeReplicates } from "./stats/replicateSummary.js";
export { fitSegmentedLine, type SegmentedLineFit, type SegmentedLineOptions } from "./stats/segmentedLine.js";

// ── Figures ─────────────────────────────────────────────────────────────────────────────────────
export { layerFigureSpecs, modelFigureSpecs } from "./report/figures.js";

// ── Batch scans: discovery, shards, parts, summaries ────────────────────────────────────────────
export { discoverModels, type DiscoverOptions, type Discovery, type ScanTarget } from "./run/scan/discover.js";
export { hasGates } from "./analysis/scan/gates.js";
export { readPart } from "./run/scan/merge.js";
export { parseShard, shardOf, type Shard } from "./analysis/scan/shard.js";
export { buildScanSummary } from "./analysis/scan/summary.js";
export { writeModelTables } from "./run/scan/modelTables.js";

// ── Neuron outputs (`jaynes activations`): batches, comparison, inputs ──────────────────────────
export { runActivationsBatch, runActivationsComparison, writeActivationFigures, type ActivationsRequest, type ActivationsRun, type FittedActivations, type SecondPassChoice } from "./run/activations.js";
export type { SecondPassSource } from "./analysis/activations/collect.js";
export type { ActivationComparisonDocument } from "./report/activations.js";

// ── Lognormal hot start (`jaynes init`): plan, draws, the safetensors writer ───────────────────────
export { planInit, standardInitStd, MATCH_STD_CHOICES, type InitPlan, type InitOptions, type InitTensor, type DrawnLayer, type MatchStd, type ParameterSource, type PlannedTensor, type TensorSource } from "./analysis/init/plan.js";
export type { DrawTask, InitResult, InitTask, MomentsTask, TensorSpan } from "./parallel/initTasks.js";
export type { StoredBytes } from "./io/tensorChunks.js";
export { drawValues, type DrawSpec } from "./stats/lognormalDraw.js";
export { philox4x32, uniform52 } from "./stats/philox.js";
export { normalQuantile } from "./stats/normalQuantile.js";
export { portableExp, portableLog } from "./stats/portableMath.js";
export { float16Bits, bfloat16Bits, storeFloats, type WritableFloatDType } from "./decode/floatBits.js";
export { layoutCheckpoint, safetensorsHeaderBytes, shardIndexText, SafetensorsFileWriter, type CheckpointLayout, type ShardLayout, type TensorLayout } from "./formats/safetensorsWrite.js";
export { initMetadata } from "./report/init.js";
