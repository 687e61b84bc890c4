/** Writes one malformed fixture per case and records what the error must say (cases.json). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface MalformedFormatCase {
  file: string;
  code: string;
  /** Substring the one-line message must contain. */
  message: string;
  /** Whether the message must name a byte offset. */
  offset?: boolean;
}

export class MalformedCases {
  readonly cases: MalformedFormatCase[] = [];

  constructor(
    private readonly dir: string,
    private readonly extension: string,
  ) {}

  add(name: string, bytes: Uint8Array, expected: Omit<MalformedFormatCase, "file">): void {
    const file = join(this.dir, `${name}${this.extension}`);
    writeFileSync(file, bytes);
    this.cases.push({ file, ...expected });
  }

  save(path = join(this.dir, "cases.json")): void {
    writeFileSync(path, JSON.stringify(this.cases, null, 2));
  }
}
