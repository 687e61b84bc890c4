// Preloaded (NODE_OPTIONS=--require) by the test of a missing runtime: resolving onnxruntime-node
// fails as it does where the optional package is not installed.
const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "onnxruntime-node") {
    const error = new Error("Cannot find module 'onnxruntime-node'");
    error.code = "MODULE_NOT_FOUND";
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
