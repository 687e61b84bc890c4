/**
 * Library API: the same pipeline the CLI uses, source → reader → accumulator → fit → report.
 *
 *   import { analyzeFile } from "jaynes";
 *   const result = await analyzeFile("model.safetensors", { bins: 100 });
 */
export { analyzeFile, analyzeOpenedModel, type AnalyzeOptions, type ModelResult, type ModelSettingsRecord } from "./analysis/model.js";
export { accumulateTensor, type AccumulateOptions } from "./analysis/accumulate.js";
export { layerResult, type LayerResult, type QualityFlag, type SkippedTensor, FIRST_BIN_LIMIT, LEVELS_PER_BIN } from "./analysis/layerResult.js";
export { type AnalysisSettings, type Normalize, DEFAULT_SETTINGS, resolveSettings } from "./analysis/settings.js";
export { summarizeLayers, type ModelSummary, type MeanSd } from "./analysis/summary.js";
export {
  layerEvidence,
  bestByAic,
  fittedCurve,
  expectedCounts,
  MODEL_NAMES,
  type ModelName,
  type Alternatives,
  type FitEvidence,
  type HalfNormalEvidence,
  type ExponentialEvidence,
  type PowerLawEvidence,
  type LayerEvidence,
} from "./analysis/evidence.js";
export { compareModels, type ModelComparison, type LayerComparison, type ComparisonSummary } from "./analysis/compare.js";
export { ExitCode, InputError, type InputErrorCode, UsageError } from "./errors.js";
export { openModel, resolveInputs, detectFormat, registerFormat, type FormatReader, type ModelInput } from "./formats/open.js";
export { readSafetensorsHeader } from "./formats/safetensors.js";
export type { DeflateCompression, Encoding, FloatDType, GgmlBlockType, OpenedModel, TensorData, TensorRecord, ByteRange } from "./formats/tensor.js";
export { FileSource, SourcePool, registerSourceOpener, type ByteSource, type ReadIntent } from "./io/byteSource.js";
export { removeTempCopies } from "./io/tempFile.js";
export { HubFileSource, configureHub, formatHubAddress, hubSettings, isHubAddress, parseHubAddress, type HubAddress, type HubSettings, type RetryEvent } from "./io/hub/index.js";
export { binCentres, sizeWeightedHistogram } from "./stats/binning.js";
export { countCodes16, countCodes8, mergeCodeTables, newCodeTable, statisticsFromCodeTable } from "./stats/codeTable.js";
export { FloatScan } from "./stats/floatScan.js";
export { fitLognormal, lognormalCurve, lognormalStart, lognormalFamily, rSquared, type LognormalFit } from "./stats/lognormal.js";
export { halfNormalFamily } from "./stats/halfNormal.js";
export { exponentialFamily } from "./stats/exponential.js";
export { powerLawFamily } from "./stats/powerLawFamily.js";
export { fitFamily, logBinMasses, type SizeWeightedFamily, type FamilyFit } from "./stats/sizeWeightedFamily.js";
export { multinomialLogLikelihood, logProbabilities, akaike } from "./stats/multinomial.js";
export { gaussianNullR2, nullFit, nullCounts, type NullFit, type NullFamily } from "./stats/nullBaseline.js";
export { bootstrapLognormal, type BootstrapResult, type BootstrapSettings } from "./stats/bootstrap.js";
export { fitMaximumLikelihood, gStatistic, type MaximumLikelihoodFit } from "./stats/binnedMaximumLikelihood.js";
export { FAMILY_LIST, type FamilyName } from "./stats/families.js";
export { parameterCovariance } from "./stats/levenbergMarquardt.js";
export { teleodynamics, teleodynamicParameters, type Teleodynamics } from "./stats/teleodynamics.js";
export { levenbergMarquardt, type LeastSquaresProblem, type LevenbergMarquardtOptions, type LevenbergMarquardtResult } from "./stats/levenbergMarquardt.js";
export { type ValueSummary, mergeCounts, mergeSummaries } from "./stats/valueSummary.js";
export { type LayerStatistics, type GridSpec, type GridCounts, type FineTable, layerGrids } from "./stats/layerHistograms.js";
export { statisticsFromValues } from "./stats/valueStatistics.js";
export { renderCsv } from "./report/csv.js";
export { renderJson, renderJsonl, type JsonReport, type Failure } from "./report/json.js";
export { renderTables } from "./report/table.js";
export { renderComparisonTable, renderComparisonCsv } from "./report/compare.js";
export { renderVegaLiteSvg } from "./report/vega.js";
export { layerHistogramSpec, depthSpec, r2Spec, muSigmaSpec, modelFigureSpecs, layerFigureSpecs, type FigureSpec } from "./report/figures.js";
export { renderModelFigures, writeFigures, type ModelFigures, type RenderedFigure } from "./report/figureFiles.js";
export { renderHtmlReport, type HtmlReportOptions } from "./report/html.js";
export { VERSION } from "./version.js";
export { type Executor, InlineExecutor, defaultJobs } from "./parallel/executor.js";
export { WorkerPool } from "./parallel/pool.js";
export { type AccumulateTask, type AccumulateResult, runAccumulateTask } from "./parallel/tasks.js";
export { analyzeDynamics, DEFAULT_DYNAMICS_SETTINGS, type DynamicsLayer, type DynamicsOptions, type DynamicsResult, type DynamicsSettings, type TrajectoryPoint } from "./analysis/dynamics/analyze.js";
export { openCheckpointSeries, orderCheckpoints, type Checkpoint, type CheckpointSeries } from "./analysis/dynamics/checkpoints.js";
export { analyzeFluctuations, absoluteIncrements, DEFAULT_FLUCTUATION_SETTINGS, type FluctuationResult, type FluctuationSettings } from "./analysis/dynamics/fluctuations.js";
export { analyzeSpectrum, DEFAULT_SPECTRUM_SETTINGS, type SpectrumResult, type SpectrumSettings } from "./analysis/dynamics/spectrum.js";
export { readElements, type ReadElementsOptions } from "./analysis/readElements.js";
export { sampleIndices } from "./stats/indexSample.js";
export { logHistogram, type LogHistogram } from "./stats/logHistogram.js";
export { fitPowerLaw, type PowerLawFit } from "./stats/powerLaw.js";
export { selectPowerLawRange, fitPowerLawOnRange } from "./stats/powerLawRange.js";
export { fitGaussianTail, type GaussianTailFit } from "./stats/gaussianTail.js";
export { averagedPowerSpectrum, type PowerSpectrum } from "./stats/powerSpectrum.js";
export { fitSegmentedLine, type SegmentedLineFit } from "./stats/segmentedLine.js";
export { renderDynamicsCsv, renderDynamicsJson, renderDynamicsTable } from "./report/dynamics.js";
export { writeDynamicsFigures } from "./report/dynamicsFigures.js";
export { runScan, writeModelTables, type ScanOptions, type ScanRun, type ScanEvent } from "./analysis/scan/run.js";
export { discoverModels, type Discovery, type DiscoverOptions, type ScanTarget } from "./analysis/scan/discover.js";
export { evaluateGates, hasGates, type GateSettings, type GateViolation, type GateName, type ValueRange } from "./analysis/scan/gates.js";
export { mergeParts, readPart, type MergedScan } from "./analysis/scan/merge.js";
export { parseShard, shardOf, type Shard } from "./analysis/scan/shard.js";
export { buildScanSummary, type ScanSummary, type ScanModelEntry, type ScanPart, type ScanScope, type GateReport } from "./analysis/scan/summary.js";
export { renderScanCsv, renderScanMarkdown, renderScanTable } from "./report/scanSummary.js";
export { renderScanLatex } from "./report/latex.js";
export { modelsAmong, filesInTree } from "./formats/open.js";
