/**
 * The slice of the WebAssembly JS API this project uses. @types/node 20 does not declare the
 * namespace (it lives in lib.dom), and pulling in the DOM library would type browser globals that do
 * not exist in Node.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
}
