/**
 * A local stand-in for the Hugging Face Hub, on 127.0.0.1 (no test touches the internet). It serves
 * folders as model repositories, one folder per revision, with the endpoints @huggingface/hub and
 * jaynes call:
 *   GET/HEAD /{owner}/{name}/resolve/{revision}/{path}  Range → 206 + Content-Range, ETag, X-Repo-Commit
 *   GET  /api/models/{owner}/{name}/revision/{revision}  model info (sha, siblings)
 *   GET  /api/models/{owner}/{name}/tree/{revision}[/{path}]  folder listing
 *   POST /api/models/{owner}/{name}/paths-info/{revision}  {paths} → entries
 * Errors as the Hub sends them (404 + X-Error-Code EntryNotFound/RevisionNotFound/RepoNotFound, 401,
 * 403), and faults on demand: any status (429 with Retry-After, 500, …), a connection dropped after
 * N body bytes, a request that never answers or a body that stops after N bytes. It counts the body bytes of file downloads.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";

export interface FakeRepo {
  /** Revision name → folder served as that revision. */
  revisions: Record<string, string>;
  /** When set, requests need `Authorization: Bearer <token>` (none → 401, another → 403). */
  token?: string;
  /** Like the Hub's LFS files on a CDN: `*.safetensors` downloads answer 302 to this origin, same path. */
  cdn?: string;
}

export interface FaultRequest {
  method: string;
  /** URL path, decoded. */
  path: string;
  range?: { start: number; end: number };
}

export interface Fault {
  when: (request: FaultRequest) => boolean;
  /** How many matching requests it applies to. */
  times: number;
  status?: number;
  headers?: Record<string, string>;
  /** Send this many body bytes, then destroy the connection. */
  dropAfterBytes?: number;
  /** Never answer (the connection stays open until the client gives up). */
  stall?: boolean;
  /** Send this many body bytes, then nothing more (the connection stays open). */
  stallAfterBytes?: number;
  /** File downloads: send the body one byte every `dripMs` milliseconds (a server that never stalls, never finishes). */
  dripMs?: number;
  /** Answer 200 with these headers and this body instead (huge or compressed API replies). */
  reply?: { headers: Record<string, string>; body: () => AsyncIterable<Uint8Array> };
}

export interface LoggedRequest extends FaultRequest {
  authorization?: string;
  status: number;
}

export interface FakeHub {
  url: string;
  /** Body bytes sent for file downloads (resolve), partial ones included. */
  servedBytes: number;
  requests: LoggedRequest[];
  faults: Fault[];
  reset(): void;
  close(): Promise<void>;
}

export function commitOf(repo: string, revision: string): string {
  return createHash("sha1").update(`${repo}@${revision}`).digest("hex");
}

const etags = new Map<string, string>();
function etagOf(file: string): string {
  const { size, mtimeMs } = statSync(file);
  const key = `${file}\u0000${size}\u0000${mtimeMs}`;
  let etag = etags.get(key);
  if (etag === undefined) {
    const hash = createHash("sha256");
    const fd = openSync(file, "r");
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
    } finally {
      closeSync(fd);
    }
    etag = `"${hash.digest("hex")}"`;
    etags.set(key, etag);
  }
  return etag;
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

function hubError(response: ServerResponse, status: number, code: string | undefined, message: string, headers: Record<string, string> = {}): void {
  json(response, status, { error: message }, { ...(code ? { "X-Error-Code": code } : {}), "X-Error-Message": message, ...headers });
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header);
  if (!match) return "invalid";
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

function entryOf(folder: string, path: string): { type: "file" | "directory"; oid: string; size: number; path: string; lfs?: { oid: string; size: number; pointerSize: number } } | undefined {
  const full = join(folder, path);
  if (!existsSync(full)) return undefined;
  const stat = statSync(full);
  if (stat.isDirectory()) return { type: "directory", oid: createHash("sha1").update(path).digest("hex"), size: 0, path };
  const oid = etagOf(full).slice(1, -1);
  return { type: "file", oid: oid.slice(0, 40), size: stat.size, path, ...(path.endsWith(".safetensors") ? { lfs: { oid, size: stat.size, pointerSize: 134 } } : {}) };
}

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const sockets = new Set<Socket>();
  const hub: FakeHub = {
    url: "",
    servedBytes: 0,
    requests: [],
    faults: [],
    reset() {
      hub.servedBytes = 0;
      hub.requests = [];
      hub.faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  /** Revision name or commit hash → folder. */
  const folderOf = (repoName: string, revision: string): string | undefined => {
    const repo = repos[repoName]!;
    if (repo.revisions[revision]) return repo.revisions[revision];
    const byCommit = Object.keys(repo.revisions).find((name) => commitOf(repoName, name) === revision);
    return byCommit ? repo.revisions[byCommit] : undefined;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    const method = request.method ?? "GET";
    const rangeHeader = request.headers.range;
    const simpleRange = rangeHeader ? /^bytes=(\d+)-(\d*)$/.exec(rangeHeader) : null;
    const faultRequest: FaultRequest = { method, path, ...(simpleRange ? { range: { start: Number(simpleRange[1]), end: simpleRange[2] === "" ? Infinity : Number(simpleRange[2]) } } : {}) };
    const log: LoggedRequest = { ...faultRequest, status: 0, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) };
    hub.requests.push(log);
    response.on("finish", () => (log.status = response.statusCode));

    const fault = hub.faults.find((candidate) => candidate.times > 0 && candidate.when(faultRequest));
    if (fault) fault.times--;
    if (fault?.stall) return; // never answer
    if (fault?.status !== undefined) {
      return hubError(response, fault.status, undefined, `injected ${fault.status}`, fault.headers);
    }
    if (fault?.reply) {
      response.writeHead(200, fault.reply.headers);
      for await (const chunk of fault.reply.body()) {
        if (response.destroyed) return;
        if (!response.write(chunk)) await new Promise((resolve) => response.once("drain", resolve).once("close", resolve));
      }
      return void response.end();
    }

    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree|paths-info)\/([^/]+)(?:\/(.*))?$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoName = api?.[1] ?? resolve?.[1];
    if (!repoName || !repos[repoName]) return hubError(response, 404, "RepoNotFound", "Repository not found");
    const repo = repos[repoName]!;
    if (repo.token !== undefined) {
      const auth = request.headers.authorization;
      if (!auth) return hubError(response, 401, "GatedRepo", "Access to this model is restricted: you must be authenticated");
      if (auth !== `Bearer ${repo.token}`) return hubError(response, 403, "GatedRepo", "Access to this model is restricted and you are not in the authorized list");
    }
    const revision = api?.[3] ?? resolve?.[2] ?? "main";
    const folder = folderOf(repoName, revision);
    if (!folder) return hubError(response, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const commit = Object.keys(repo.revisions).find((name) => name === revision || commitOf(repoName, name) === revision)!;
    const sha = commitOf(repoName, commit);

    if (api?.[2] === "revision") {
      const siblings = readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => ({ rfilename: join(entry.parentPath, entry.name).slice(folder.length + 1) }));
      return json(response, 200, { _id: sha.slice(0, 24), id: repoName, sha, private: repo.token !== undefined, gated: false, downloads: 0, likes: 0, lastModified: "2026-01-01T00:00:00.000Z", siblings });
    }
    if (api?.[2] === "tree") {
      const inside = api[4] ?? "";
      const full = join(folder, inside);
      if (!existsSync(full) || !statSync(full).isDirectory()) return hubError(response, 404, "EntryNotFound", `${inside} does not exist on "${revision}"`);
      const entries = readdirSync(full)
        .sort()
        .map((name) => entryOf(folder, inside ? `${inside}/${name}` : name)!);
      return json(response, 200, entries);
    }
    if (api?.[2] === "paths-info") {
      if (method !== "POST") return hubError(response, 405, undefined, "method not allowed");
      let body = "";
      for await (const chunk of request) body += chunk;
      const paths = (JSON.parse(body) as { paths: string[] }).paths;
      return json(response, 200, paths.map((candidate) => entryOf(folder, candidate)).filter((entry) => entry !== undefined));
    }

    // resolve: the file itself
    const file = join(folder, resolve![3]!);
    if (!existsSync(file) || !statSync(file).isFile()) return hubError(response, 404, "EntryNotFound", "Entry not found");
    if (repo.cdn !== undefined && file.endsWith(".safetensors")) {
      response.writeHead(302, { Location: `${repo.cdn}${url.pathname}`, "X-Linked-ETag": etagOf(file), "X-Linked-Size": String(statSync(file).size) });
      return void response.end();
    }
    const size = statSync(file).size;
    const headers: Record<string, string> = { ETag: etagOf(file), "X-Repo-Commit": sha, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream" };
    const range = parseRange(rangeHeader, size);
    if (range === "invalid") {
      response.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` });
      response.end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    response.writeHead(range ? 206 : 200, { ...headers, "Content-Length": String(end - start + 1), ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}) });
    if (method === "HEAD") return void response.end();
    if (fault?.dripMs !== undefined) {
      const bytes = readFileSync(file).subarray(start, end + 1);
      let at = 0;
      const timer = setInterval(() => {
        if (response.destroyed || at >= bytes.length) {
          clearInterval(timer);
          if (!response.destroyed) response.end();
          return;
        }
        hub.servedBytes++;
        response.write(bytes.subarray(at, ++at));
      }, fault.dripMs);
      response.on("close", () => clearInterval(timer));
      return;
    }
    // Streamed from disk, counting what actually goes out; a drop fault cuts the body at N bytes.
    const cut = fault?.dropAfterBytes ?? fault?.stallAfterBytes;
    const last = cut !== undefined ? Math.min(end, start + cut - 1) : end;
    const stream = createReadStream(file, { start, end: last, highWaterMark: 256 * 1024 });
    stream.on("data", (chunk) => (hub.servedBytes += chunk.length));
    if (last === end) return void stream.pipe(response);
    stream.pipe(response, { end: false });
    if (fault?.dropAfterBytes !== undefined) stream.on("end", () => setTimeout(() => response.socket?.destroy(), 10));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) hubError(response, 500, undefined, String(error));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hub;
}
