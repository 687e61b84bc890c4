export const ROOT: string;
export const BUILD_STAMP: string;
export function filesBelow(folder: string): string[];
export function hashFiles(files: readonly string[]): string;
export function buildInputs(): string[];
export function buildHash(): string;
export function builtHash(): string | undefined;
export function importClosure(entry: string): string[];
