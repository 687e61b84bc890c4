/**
 * A `fetch` that answers HTTP range requests from a ByteSource, so @huggingface/gguf parses a header
 * through our positioned reads — local files and Hub addresses alike — instead of opening the file
 * itself. The library asks for 2 MB ranges, only as far as the header reaches (its total is capped at
 * 50 MB); a range past the end of the file is answered with the bytes that exist, as an HTTP server
 * would. Only GET with a `Range: bytes=a-b` header is understood.
 */
import type { ByteSource } from "../../io/byteSource.js";

/** A URL that never resolves (RFC 2606 `.invalid`): only the fetch below ever sees it. */
export function sourceUrl(source: ByteSource): string {
  return `https://source.invalid/${encodeURIComponent(source.name)}`;
}

function rangeHeader(init: RequestInit | undefined): string | undefined {
  const headers = init?.headers;
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get("range") ?? undefined;
  if (Array.isArray(headers)) return headers.find(([key]) => key?.toLowerCase() === "range")?.[1];
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === "range")?.[1];
  return typeof entry === "string" ? entry : undefined;
}

export function sourceFetch(source: ByteSource): typeof fetch {
  return async (_input, init) => {
    const match = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader(init) ?? "");
    if (!match) throw new RangeError("source fetch: only byte-range requests are served");
    const start = Math.min(Number(match[1]), source.size);
    const end = Math.min(Number(match[2]) + 1, source.size);
    const bytes = new Uint8Array(Math.max(0, end - start));
    await source.readExact(bytes, start);
    return new Response(bytes, { status: 206, headers: { "content-range": `bytes ${start}-${Math.max(start, end - 1)}/${source.size}` } });
  };
}
