// `node --import ./withoutVega.mjs …`: a process in which the optional packages vega and vega-lite
// cannot be found, as after `npm install --omit=optional` (module.register resolve hook).
import { register } from "node:module";

const hook = `export async function resolve(specifier, context, next) {
  if (specifier === "vega" || specifier === "vega-lite") {
    const error = new Error("Cannot find package '" + specifier + "'");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
