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
export { ExitCode, InputError, type InputErrorCode, UsageError, type Failure } from "./errors.js";
export { openModel, resolveInputs, type ModelInput } from "./formats/open.js";
export { detectFormat, registerFormat, registeredFormats, type FormatReader } from "./formats/registry.js";
export { readSafetensorsHeader } from "./formats/safetensors.js";
export type { DeflateCompression, TensorData, ByteRange } from "./io/tensorData.js";
export type { Encoding, FloatDType, GgmlBlockType } from "./io/encoding.js";
export type { OpenedModel, TensorRecord } from "./formats/tensor.js";
export { FileSource, SourcePool, registerSourceOpener, type ByteSource, type ReadIntent } from "./io/byteSource.js";
export { removeTempCopies } from "./io/tempFile.js";
export { isRemoteLocation, locationBackend, type LocationBackend } from "./io/location.js";
export { HubFileSource, completeHubDownloads, configureHub, formatHubAddress, hubCacheDir, hubSettings, isHubAddress, parseHubAddress, type HubAddress, type HubSettings, type RetryEvent } from "./io/hub/index.js";
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
export { renderJson, renderJsonl, type JsonReport } from "./report/json.js";
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
export {
  analyzeDynamics,
  analyzeTrackedSeries,
  DEFAULT_DYNAMICS_SETTINGS,
  type AlternateScaling,
  type DynamicsLayer,
  type DynamicsOptions,
  type DynamicsResult,
  type DynamicsSettings,
  type SeriesStatistics,
  type StepsRecord,
  type TrajectoryPoint,
} from "./analysis/dynamics/analyze.js";
export { DEFAULT_EVIDENCE_SETTINGS, type EvidenceSettings } from "./analysis/dynamics/evidence.js";
export { openCheckpointSeries, orderCheckpoints, type Checkpoint, type CheckpointSeries } from "./analysis/dynamics/checkpoints.js";
export { analyzeFluctuations, absoluteIncrements, DEFAULT_FLUCTUATION_SETTINGS, type FluctuationResult, type FluctuationSettings } from "./analysis/dynamics/fluctuations.js";
export { analyzeSpectrum, DEFAULT_SPECTRUM_SETTINGS, type SpectrumResult, type SpectrumSettings } from "./analysis/dynamics/spectrum.js";
export { readElements, type ReadElementsOptions } from "./analysis/readElements.js";
export { sampleIndices } from "./stats/indexSample.js";
export { logHistogram, type LogHistogram } from "./stats/logHistogram.js";
export { fitPowerLaw, type PowerLawFit } from "./stats/powerLaw.js";
export { selectPowerLawRange, fitPowerLawOnRange } from "./stats/powerLawRange.js";
export { fitGaussianTail, type GaussianTailFit } from "./stats/gaussianTail.js";
export { averagedPowerSpectrum, seriesPeriodograms, type PowerSpectrum } from "./stats/powerSpectrum.js";
export { RealDft } from "./stats/dft.js";
export { summarizeReplicates, summarizeNull, type ReplicateSummary, type NullSummary } from "./stats/replicateSummary.js";
export { fitSegmentedLine, type SegmentedLineFit } from "./stats/segmentedLine.js";
export { renderDynamicsCsv, renderDynamicsJson, renderDynamicsTable } from "./report/dynamics.js";
export { writeDynamicsFigures } from "./report/dynamicsFigures.js";
export { runScan, type ScanOptions, type ScanRun, type ScanEvent } from "./run/scan/scan.js";
export { writeModelTables } from "./run/scan/modelTables.js";
export { publishScan, type FinishedScan, type PublishedScan } from "./run/scan/publish.js";
export { runFit, writeFitFigures, fitExitCode, type FitRequest, type FitRun } from "./run/fit.js";
export { runCompare, type CompareRun } from "./run/compare.js";
export { runDynamics, type DynamicsRequest, type DynamicsRun } from "./run/dynamics.js";
export { forEachInput, failureOf, failureExitCode, type BatchOptions, type BatchOutcome } from "./run/batch.js";
export { runEnvironment, type RunEnvironment, type Progress } from "./run/environment.js";
export { fitModel, type FittedModel } from "./analysis/fittedModel.js";
export { storedForm, type Stored } from "./analysis/stored.js";
export { render, formatsOf, RENDERERS, type Documents, type RenderContext } from "./report/registry.js";
export { discoverModels, type Discovery, type DiscoverOptions, type ScanTarget } from "./run/scan/discover.js";
export { evaluateGates, hasGates, type GateSettings, type GateViolation, type GateName, type ValueRange } from "./analysis/scan/gates.js";
export { mergeParts, readPart, type MergedScan } from "./run/scan/merge.js";
export { parseShard, shardOf, type Shard } from "./analysis/scan/shard.js";
export { buildScanSummary, type ScanSummary, type ScanModelEntry, type ScanPart, type ScanScope, type GateReport } from "./analysis/scan/summary.js";
export { renderScanCsv, renderScanMarkdown, renderScanTable } from "./report/scanSummary.js";
export { renderScanLatex } from "./report/latex.js";
export { modelsAmong, filesInTree } from "./formats/open.js";
export { planInit, standardInitStd, MATCH_STD_CHOICES, type InitPlan, type InitOptions, type InitTensor, type DrawnLayer, type MatchStd, type ParameterSource, type PlannedTensor } from "./analysis/init/plan.js";
export { initLayout, resolveScales, writeInit, type InitContext } from "./run/initWrite.js";
export { drawValues, pinnedIndex, streamOf, acceptance, truncatedMeanSquare, type DrawSpec } from "./stats/lognormalDraw.js";
export { philox4x32, uniform52 } from "./stats/philox.js";
export { normalQuantile } from "./stats/normalQuantile.js";
export { portableExp, portableLog } from "./stats/portableMath.js";
export { float16Bits, bfloat16Bits, storeFloats, type WritableFloatDType } from "./decode/floatBits.js";
export { layoutCheckpoint, safetensorsHeaderBytes, shardIndexText, SafetensorsFileWriter, type CheckpointLayout, type ShardLayout, type TensorLayout } from "./formats/safetensorsWrite.js";
export { readFitFile, type FitFile, type FittedLayer } from "./formats/fitFile.js";
export { renderInitTable, renderInitJson, initMetadata, type InitReport, type InitProvenance } from "./report/init.js";
export { runActivations, runActivationsBatch, runActivationsComparison, activationsExitCode, writeActivationFigures, packGroups, type ActivationRunOptions, type ActivationsRequest, type ActivationsRun, type FittedActivations, type SecondPassChoice } from "./run/activations.js";
export { ActivationCollector, type ActivationSettings, type SecondPassSource } from "./analysis/activations/collect.js";
export { viewAsModelResult, ACTIVATION_VIEWS, type ActivationResult, type ActivationLayer, type ActivationView, type ActivationViewName } from "./analysis/activations/result.js";
export { UnitMeans, unitAxisFor, type UnitAxisSetting } from "./analysis/activations/unitMeans.js";
export { OnnxActivationModel, activationCandidates, type ActivationValue, type PreparedModel } from "./runtime/onnxModel.js";
export { planInputs, type InputSpec, type InputPlan, type GraphInput } from "./runtime/inputs.js";
export { loadOnnxRuntime, type OnnxRuntime } from "./runtime/onnxRuntime.js";
export { walkModelGraph, type OnnxGraph, type OnnxModelGraph } from "./formats/onnx/graph.js";
export { flattenGraph, writeRewrittenModel, createWorkspace, type RewritePlan } from "./formats/onnx/rewrite.js";
export { PagedFloatScan } from "./stats/pagedFloatScan.js";
export { SpillFile } from "./io/spillFile.js";
export { renderActivationTables, renderActivationCsv, renderActivationJson, renderActivationJsonl } from "./report/activations.js";
