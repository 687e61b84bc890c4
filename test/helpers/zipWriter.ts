/**
 * Writes zip archives for tests (PKWARE APPNOTE layout): stored or deflated members, optional zip64
 * records (forced even for small archives, so the zip64 path is tested without gigabytes), member
 * data aligned like torch.save (a padding extra field), and overrides for building broken archives.
 */
import { crc32, deflateRawSync } from "node:zlib";
import { concat } from "./safetensorsWriter.js";

export interface ZipMemberSpec {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Declared uncompressed size instead of the real one (a lying header). */
  declaredSize?: number;
  /** Already-compressed bytes to store as the member's deflate data (with `deflate`). */
  rawDeflate?: Uint8Array;
}

export interface ZipOptions {
  zip64?: boolean;
  /** Align every member's data to this many bytes (torch.save aligns to 64). */
  align?: number;
}

export function encodeZip(members: ZipMemberSpec[], options: ZipOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const zip64 = options.zip64 ?? false;
  for (const member of members) {
    const name = new TextEncoder().encode(member.name);
    const stored = member.deflate ? (member.rawDeflate ?? deflateRawSync(member.data)) : member.data;
    const size = member.declaredSize ?? member.data.length;
    const crc = crc32(member.data);
    const localExtra = (length: number): Uint8Array => {
      if (length === 0) return new Uint8Array(0);
      const extra = new Uint8Array(length);
      const view = new DataView(extra.buffer);
      view.setUint16(0, 0xcafe, true); // an unknown extra id: padding, as torch writes it
      view.setUint16(2, length - 4, true);
      return extra;
    };
    let padding = 0;
    if (options.align) {
      const dataStart = offset + 30 + name.length;
      padding = (options.align - (dataStart % options.align)) % options.align;
      if (padding > 0 && padding < 4) padding += options.align;
    }
    const local = new Uint8Array(30);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, zip64 ? 45 : 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, member.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, padding, true);
    parts.push(local, name, localExtra(padding), stored);

    const extra = zip64 ? new Uint8Array(4 + 24) : new Uint8Array(0);
    if (zip64) {
      const ev = new DataView(extra.buffer);
      ev.setUint16(0, 0x0001, true);
      ev.setUint16(2, 24, true);
      ev.setBigUint64(4, BigInt(size), true);
      ev.setBigUint64(12, BigInt(stored.length), true);
      ev.setBigUint64(20, BigInt(offset), true);
    }
    const header = new Uint8Array(46);
    const hv = new DataView(header.buffer);
    hv.setUint32(0, 0x02014b50, true);
    hv.setUint16(4, zip64 ? 45 : 20, true);
    hv.setUint16(6, zip64 ? 45 : 20, true);
    hv.setUint16(8, 0x800, true);
    hv.setUint16(10, member.deflate ? 8 : 0, true);
    hv.setUint32(16, crc, true);
    hv.setUint32(20, zip64 ? 0xffffffff : stored.length, true);
    hv.setUint32(24, zip64 ? 0xffffffff : size, true);
    hv.setUint16(28, name.length, true);
    hv.setUint16(30, extra.length, true);
    hv.setUint32(42, zip64 ? 0xffffffff : offset, true);
    central.push(header, name, extra);
    offset += 30 + name.length + padding + stored.length;
  }
  const directory = concat(central);
  const tail: Uint8Array[] = [];
  if (zip64) {
    const record = new Uint8Array(56);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(members.length), true);
    rv.setBigUint64(32, BigInt(members.length), true);
    rv.setBigUint64(40, BigInt(directory.length), true);
    rv.setBigUint64(48, BigInt(offset), true);
    const locator = new Uint8Array(20);
    const locv = new DataView(locator.buffer);
    locv.setUint32(0, 0x07064b50, true);
    locv.setBigUint64(8, BigInt(offset + directory.length), true);
    locv.setUint32(16, 1, true);
    tail.push(record, locator);
  }
  const end = new Uint8Array(22);
  const endv = new DataView(end.buffer);
  endv.setUint32(0, 0x06054b50, true);
  endv.setUint16(8, zip64 ? 0xffff : members.length, true);
  endv.setUint16(10, zip64 ? 0xffff : members.length, true);
  endv.setUint32(12, zip64 ? 0xffffffff : directory.length, true);
  endv.setUint32(16, zip64 ? 0xffffffff : offset, true);
  return concat([...parts, directory, ...tail, end]);
}
