/**
 * Minimal random-access zip reader for torch.save archives: reads the central directory (zip64 aware),
 * then individual entries on demand from the open file (STORED or DEFLATE, CRC-checked when node has
 * zlib.crc32). The whole archive is never loaded into memory at once.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { WeightsFileError } from '../host_tensor';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_Z64_LOC = 0x07064b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`zip field too large (${v})`);
  return Number(v);
}

export class ZipReader {
  private constructor(
    readonly file: string,
    private readonly fh: fs.promises.FileHandle,
    readonly size: number,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(file: string): Promise<ZipReader> {
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new WeightsFileError(file, err.code === 'ENOENT' ? 'weights file not found' : `cannot open (${err.message})`);
    }
    try {
      const size = (await fh.stat()).size;
      const entries = await readDirectory(fh, file, size);
      return new ZipReader(file, fh, size, entries);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  private fail(msg: string): never {
    throw new WeightsFileError(this.file, msg);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The uncompressed bytes of one entry. */
  async read(name: string): Promise<Uint8Array> {
    const e = this.entries.get(name);
    if (!e) this.fail(`zip archive has no entry "${name}"`);
    if (e.flags & 1) this.fail(`zip entry "${name}" is encrypted`);
    const loc = Buffer.alloc(30);
    if ((await this.fh.read(loc, 0, 30, e.localHeaderOffset)).bytesRead < 30 || loc.readUInt32LE(0) !== SIG_LOC) {
      this.fail(`corrupt zip archive: bad local header for "${name}"`);
    }
    const start = e.localHeaderOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
    if (start + e.compressedSize > this.size) {
      this.fail(`truncated zip archive: entry "${name}" needs bytes up to ${start + e.compressedSize}, file has ${this.size}`);
    }
    const raw = Buffer.alloc(e.compressedSize);
    let got = 0;
    while (got < raw.length) {
      const { bytesRead } = await this.fh.read(raw, got, raw.length - got, start + got);
      if (!bytesRead) this.fail(`truncated zip archive while reading "${name}"`);
      got += bytesRead;
    }
    let out: Buffer;
    if (e.method === 0) out = raw;
    else if (e.method === 8) {
      try {
        out = zlib.inflateRawSync(raw);
      } catch (err) {
        this.fail(`corrupt zip archive: cannot inflate "${name}" (${(err as Error).message})`);
      }
    } else this.fail(`zip entry "${name}" uses unsupported compression method ${e.method}`);
    if (out.length !== e.size) this.fail(`corrupt zip archive: "${name}" is ${out.length} bytes, directory says ${e.size}`);
    const crc32 = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32;
    if (crc32 && crc32(out) >>> 0 !== e.crc >>> 0) this.fail(`corrupt zip archive: CRC mismatch in "${name}"`);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
}

async function readDirectory(fh: fs.promises.FileHandle, file: string, size: number): Promise<Map<string, ZipEntry>> {
  const fail = (msg: string): never => {
    throw new WeightsFileError(file, msg);
  };
  const tailLen = Math.min(size, 22 + 0xffff + 20);
  const tail = Buffer.alloc(tailLen);
  await fh.read(tail, 0, tailLen, size - tailLen);
  let at = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD) { at = i; break; }
  }
  if (at < 0) fail('truncated or corrupt zip archive: end-of-central-directory record not found');
  let count = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  const eocdPos = size - tailLen + at;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = Buffer.alloc(20);
    if (eocdPos < 20) fail('corrupt zip archive: zip64 locator missing');
    await fh.read(loc, 0, 20, eocdPos - 20);
    if (loc.readUInt32LE(0) !== SIG_Z64_LOC) fail('corrupt zip archive: zip64 locator missing');
    const z64 = Buffer.alloc(56);
    const z64Pos = u64(loc, 8);
    if ((await fh.read(z64, 0, 56, z64Pos)).bytesRead < 56 || z64.readUInt32LE(0) !== SIG_Z64_EOCD) {
      fail('corrupt zip archive: bad zip64 end-of-central-directory record');
    }
    count = u64(z64, 32);
    cdSize = u64(z64, 40);
    cdOffset = u64(z64, 48);
  }
  if (cdOffset + cdSize > eocdPos) fail(`truncated or corrupt zip archive: central directory at ${cdOffset}+${cdSize} lies beyond ${eocdPos}`);
  const cd = Buffer.alloc(cdSize);
  await fh.read(cd, 0, cdSize, cdOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CEN) fail(`corrupt zip archive: bad central directory entry #${i}`);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const e: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    };
    applyZip64Extra(e, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    entries.set(e.name, e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Replace 0xFFFFFFFF fields with the 64-bit values of the zip64 extra field (id 0x0001), in spec order. */
function applyZip64Extra(e: ZipEntry, extra: Buffer): void {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const next = (): number => { const v = u64(extra, r); r += 8; return v; };
      if (e.size === 0xffffffff) e.size = next();
      if (e.compressedSize === 0xffffffff) e.compressedSize = next();
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = next();
      return;
    }
    q += 4 + len;
  }
}
