// The I/O limit: read a file once, front to back, with the same positioned 8 MiB reads and
// read-ahead as jaynes (io/chunks.ts), touching nothing. Reports wall time and peak RSS.
import { SourcePool } from "../dist/io/byteSource.js";
import { readChunks } from "../dist/io/chunks.js";
import { statSync } from "node:fs";

const path = process.argv[2];
const size = statSync(path).size;
const pool = new SourcePool();
const started = performance.now();
let checksum = 0;
for await (const chunk of readChunks([{ source: path, offset: 0, length: size }], pool, { unitBytes: 1 })) checksum ^= chunk[0];
const wallSeconds = (performance.now() - started) / 1000;
await pool.close();
process.stderr.write(`${JSON.stringify({ wallSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, checksum })}\n`);
