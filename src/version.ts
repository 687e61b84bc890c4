/**
 * The package version and the method version, as literals: the code reads no file at start-up, so it
 * runs the same from dist/, a global install or a bundle. `npm version` rewrites VERSION
 * (scripts/sync-version.mjs, the `version` script); a test keeps it equal to package.json's.
 */

/** The version of jaynes (package.json's `version`). */
export const VERSION = "0.1.0";

/**
 * The version of the method every number follows: docs/METHOD.md, whose changelog says what changed
 * in each version. It changes when a number jaynes prints for the same input could change meaning or
 * value (a rule, a default, a formula), not with every release.
 */
export const METHOD_VERSION = "2";

/** Where an output's numbers are specified: recorded as `method` in every JSON document. */
export interface MethodReference {
  /** The method version (docs/METHOD.md, "Method versions"). */
  version: string;
  /** The document specifying it, relative to the package (it ships in the npm package and the repository). */
  document: string;
}

/** The `method` field of every JSON document jaynes writes. */
export const METHOD: MethodReference = { version: METHOD_VERSION, document: "docs/METHOD.md" };

/** The same for one-line outputs (help texts, report footers): `docs/METHOD.md (method 2)`. */
export const METHOD_CITATION = `${METHOD.document} (method ${METHOD_VERSION})`;

/** The fields every JSON document jaynes writes begins with. */
export interface DocumentHeader {
  tool: "jaynes";
  /** The jaynes version that wrote the document. */
  version: string;
  /** The method its numbers follow. */
  method: MethodReference;
}

/** `{tool, version, method}` for a new JSON document. */
export function documentHeader(): DocumentHeader {
  return { tool: "jaynes", version: VERSION, method: { ...METHOD } };
}
