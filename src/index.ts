/**
 * jaynes as a library: the analysis the CLI runs, on models from any byte source, with results
 * whose fields are the JSON contract of the CLI's outputs. Every number is specified in
 * docs/METHOD.md (shipped in the package); `METHOD` says which version of it this code follows.
 *
 * ```ts
 * import { analyze, analyzeLayers, MemorySource } from "jaynes";
 *
 * const result = await analyze("model.safetensors", { bins: 100, min_params: 10_000 });
 * for (const layer of result.layers) console.log(layer.tensor, layer.mu, layer.sigma, layer.r2);
 * console.log(result.summary); // the paper's Table 2 row
 *
 * for await (const event of analyzeLayers(new MemorySource(bytes, "model.safetensors"), { signal })) {
 *   if (event.kind === "layer") console.log(event.layer.tensor, event.layer.best);
 * }
 * ```
 *
 * The building blocks below this API (accumulators, readers' helpers, executors, the use cases of
 * the CLI) are exported from `jaynes/pipeline`; they may change in any 0.x release.
 *
 * Adding an export: one line in the group it belongs to, with a doc comment on the declaration
 * (`npm run check:docs` fails on an undocumented export).
 *
 * @packageDocumentation
 */

// ── Analyse a model ─────────────────────────────────────────────────────────────────────────────
export { analyze, analyzeLayers, type AnalyzeRequest, type LayerEvent } from "./analysis/analyze.js";
export { analyzeFile, analyzeOpenedModel, type AnalyzeOptions } from "./analysis/model.js";
export { DEFAULT_SETTINGS, resolveSettings, type AnalysisSettings, type Normalize, type SettingsInput } from "./analysis/settings.js";

// ── Where models come from: model sources, byte sources, formats, the Hub ───────────────────────
export { openModel, resolveInputs, type ModelInput, type ModelSource, type ResolveOptions } from "./formats/open.js";
export type { SkippedEntry } from "./formats/trainingFiles.js";
export type { OpenedModel, TensorOrder, TensorRecord, TensorStorage } from "./formats/tensor.js";
export { FileSource, MemorySource, registerSourceOpener, type ByteSource, type ReadIntent, type SourceOpener, type SourceOpenerOptions } from "./io/byteSource.js";
export { UrlSource } from "./io/urlSource.js";
export { detectFormat, registerFormat, registeredFormats, type FormatReader } from "./formats/registry.js";
export type { ByteRange, DeflateCompression, MemberChecksum, TensorData } from "./io/tensorData.js";
export type { Encoding, FloatDType, GgmlBlockType, IntegerStorage } from "./io/encoding.js";
export type { Bnb4bitEncoding, ByteScaledEncoding, IntGroupEncoding, MicroscaledEncoding, QuantizationInfo, QuantizedEncoding, SideTensor } from "./io/quantizedEncoding.js";
export { configureHub, formatHubAddress, hubSettings, isHubAddress, parseHubAddress, type HubAddress, type HubSettings, type RetryEvent } from "./io/hub/index.js";

// ── Results (field names are the JSON contract) ─────────────────────────────────────────────────
export type { ModelResult, ModelSettingsRecord } from "./analysis/model.js";
export type { LayerResult, QualityFlag, SkippedTensor } from "./analysis/layerResult.js";
export type { BestCount, MeanSd, ModelSummary } from "./analysis/summary.js";
export { MODEL_NAMES, type AlternativeEvidence, type AlternativeName, type Alternatives, type MaximumLikelihoodBlock, type MaximumLikelihoodEvidence, type ExponentialEvidence, type FitEvidence, type HalfNormalEvidence, type LayerEvidence, type ModelName, type PowerLawEvidence } from "./analysis/evidence.js";
export type { ValueSummary } from "./stats/valueSummary.js";
export type { LayerStatistics } from "./stats/layerHistograms.js";
export { storedForm, type IntegerField, type Stored, type StoredField } from "./analysis/stored.js";

// ── Compare two checkpoints ─────────────────────────────────────────────────────────────────────
export { compareModels, type ComparedModel, type ComparisonSummary, type LayerComparison, type ModelComparison } from "./analysis/compare.js";

// ── Training dynamics ───────────────────────────────────────────────────────────────────────────
export { analyzeDynamics, analyzeTrackedSeries, DEFAULT_DYNAMICS_SETTINGS, type AlternateScaling, type DynamicsLayer, type DynamicsOptions, type DynamicsResult, type DynamicsSettings, type DynamicsSettingsRecord, type SeriesStatistics, type StepsRecord, type TrajectoryPoint } from "./analysis/dynamics/analyze.js";
export { DEFAULT_EVIDENCE_SETTINGS, type EvidenceSettings } from "./analysis/dynamics/evidence.js";
export type { NullSummary, ReplicateSummary } from "./stats/replicateSummary.js";
export type { CheckpointOrder } from "./analysis/dynamics/checkpoints.js";
export type { FluctuationHistogram, FluctuationResult, GaussianTailFlag, GaussianTailResult, PowerLawFlag, PowerLawResult } from "./analysis/dynamics/fluctuations.js";
export type { StepScaling } from "./analysis/dynamics/increments.js";
export type { FrequencyScale, SpectrumResult } from "./analysis/dynamics/spectrum.js";

// ── Batch scans ─────────────────────────────────────────────────────────────────────────────────
export { runScan, type ScanEvent, type ScanOptions, type ScanRun } from "./run/scan/scan.js";
export { runEnvironment, type Progress, type RunEnvironment } from "./run/environment.js";
export { mergeParts, type MergedScan } from "./run/scan/merge.js";
export type { GateReport, ScanModelEntry, ScanPart, ScanScope, ScanSummary } from "./analysis/scan/summary.js";
export { evaluateGates, type GateName, type GateSettings, type GateViolation, type ValueRange } from "./analysis/scan/gates.js";

// ── Statistics: the paper's fit and the evidence, on any histogram ──────────────────────────────
export { binCentres, sizeWeightedHistogram } from "./stats/binning.js";
export { fitLognormal, lognormalCurve, lognormalFamily, rSquared, type LognormalFit } from "./stats/lognormal.js";
export { halfNormalFamily } from "./stats/halfNormal.js";
export { exponentialFamily } from "./stats/exponential.js";
export { powerLawFamily } from "./stats/powerLawFamily.js";
export { fitFamily, type FamilyFit, type SizeWeightedFamily } from "./stats/sizeWeightedFamily.js";
export { FAMILY_LIST, type FamilyName } from "./stats/families.js";
export { akaike, multinomialLogLikelihood } from "./stats/multinomial.js";
export { gaussianNullR2, nullCounts, nullFit, type NullFamily, type NullFit, type NullNormaliser } from "./stats/nullBaseline.js";
export { bootstrapLognormal, type BootstrapResult, type BootstrapSettings } from "./stats/bootstrap.js";
export { fitMaximumLikelihood, gStatistic, type MaximumLikelihoodFit } from "./stats/binnedMaximumLikelihood.js";
export { teleodynamics, type Teleodynamics } from "./stats/teleodynamics.js";
export { layerEvidence, type FittedCurves, type HistogramForFit } from "./analysis/evidence.js";
export { statisticsFromValues } from "./stats/valueStatistics.js";
export { levenbergMarquardt, parameterCovariance, type LeastSquaresProblem, type LevenbergMarquardtOptions, type LevenbergMarquardtResult } from "./stats/levenbergMarquardt.js";

// ── Output: the CLI's renderers, figures, the HTML report ───────────────────────────────────────
export { renderJson, renderJsonl, type JsonReport } from "./report/json.js";
export { renderCsv } from "./report/csv.js";
export { renderTables, type TableOptions } from "./report/table.js";
export { renderComparisonCsv, renderComparisonTable } from "./report/compare.js";
export { renderDynamicsCsv, renderDynamicsJson, renderDynamicsTable, type DynamicsTableOptions } from "./report/dynamics.js";
export { renderScanCsv, renderScanMarkdown, renderScanTable } from "./report/scanSummary.js";
export { renderScanLatex } from "./report/latex.js";
export { renderVegaLiteSvg } from "./report/vega.js";
export { depthSpec, layerHistogramSpec, muSigmaSpec, r2Spec, type FigureSpec } from "./report/figures.js";
export { renderModelFigures, writeFigures, type ModelFigures, type RenderedFigure } from "./report/figureFiles.js";
export { fitModel, type FittedModel } from "./analysis/fittedModel.js";
export { renderHtmlReport, type HtmlReportOptions } from "./report/html.js";
export { writeDynamicsFigures } from "./report/dynamicsFigures.js";

// ── Neuron outputs (`jaynes activations`, docs/METHOD.md §8) ───────────────────────────────────────
export { runActivations, type ActivationRunOptions } from "./run/activations.js";
export { ACTIVATION_VIEWS, viewAsModelResult, type ActivationFields, type ActivationInput, type ActivationLayer, type ActivationResult, type ActivationRunInfo, type ActivationSettingsRecord, type ActivationView, type ActivationViewName, type SkippedActivation } from "./analysis/activations/result.js";
export type { InputOptions, InputSpec, RandomDistribution } from "./runtime/inputs.js";
export type { UnitAxisSetting } from "./analysis/activations/unitMeans.js";
export { renderActivationCsv, renderActivationJson, renderActivationJsonl, renderActivationTables } from "./report/activations.js";

// ── Lognormal hot start (`jaynes init`, docs/METHOD.md §9) ──────────────────────────────────────────
export { runInit, type InitRequest } from "./run/init.js";
export { readFitFile, type FitFile, type FittedLayer } from "./formats/fitFile.js";
export { renderInitJson, renderInitTable, type InitProvenance, type InitReport } from "./report/init.js";

// ── Errors, versions ────────────────────────────────────────────────────────────────────────────
export { ExitCode, InputError, UsageError, type Failure, type InputErrorCode } from "./errors.js";
export { METHOD, METHOD_VERSION, VERSION, type DocumentHeader, type MethodReference } from "./version.js";
