/**
 * Checkpoint-quantisation decoders by scheme: the layout the main thread plans with, and the decoder
 * a task prepares for its byte range (reading the side tensors it needs).
 */
import type { QuantizedEncoding } from "../../io/quantizedEncoding.js";
import type { SourcePool } from "../../io/byteSource.js";
import { bnb4bitLayout, prepareBnb4bit } from "./bnb4bit.js";
import { byteScaledLayout, prepareByteScaled } from "./byteScaled.js";
import type { QuantDecoder, QuantLayout } from "./decoder.js";
import { intGroupLayout, prepareIntGroup } from "./intGroup.js";
import { microscaledLayout, prepareMicroscaled } from "./microscaled.js";

export type { QuantDecoder, QuantLayout } from "./decoder.js";
export { MAX_KEYS } from "./decoder.js";

export function quantLayout(encoding: QuantizedEncoding): QuantLayout {
  switch (encoding.scheme) {
    case "byte-scaled":
      return byteScaledLayout(encoding);
    case "microscaled":
      return microscaledLayout();
    case "int-group":
      return intGroupLayout(encoding);
    case "bnb-4bit":
      return bnb4bitLayout();
  }
}

export function prepareQuantDecoder(encoding: QuantizedEncoding, pool: SourcePool, startByte: number, endByte: number): Promise<QuantDecoder> {
  switch (encoding.scheme) {
    case "byte-scaled":
      return prepareByteScaled(encoding, pool, startByte, endByte);
    case "microscaled":
      return prepareMicroscaled(encoding, pool, startByte, endByte);
    case "int-group":
      return prepareIntGroup(encoding, pool, startByte, endByte);
    case "bnb-4bit":
      return prepareBnb4bit(encoding, pool, startByte, endByte);
  }
}
