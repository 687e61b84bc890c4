export function assembleKernels(text?: string): Promise<Buffer>;
export function kernelsModuleSource(bytes: Buffer): string;
