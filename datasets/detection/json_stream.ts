/**
 * Reading the elements of a JSON file's top-level arrays one at a time, so that a 450 MB COCO annotation file
 * is never held as a whole string plus its parsed tree. The file is read in chunks; a byte scanner finds each
 * element of the wanted arrays (`{"images": [ {...}, {...} ], ...}`) and only that element's bytes are
 * JSON.parse'd. Peak memory is one chunk plus one element, plus whatever the caller keeps.
 */
import * as fs from 'fs';
import { DatasetError } from '../classification/types';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

export type ElementHandler = (key: string, element: unknown, index: number) => void;

/**
 * Calls onElement(key, value, index) for every element of the top-level arrays named in `keys`, in file
 * order. Other top-level values are skipped without parsing. Throws a DatasetError naming the file when it is
 * not a JSON object, is truncated, or an element is not valid JSON. Returns the top-level keys seen.
 */
export async function streamJsonArrays(file: string, keys: string[], onElement: ElementHandler, chunkSize = 1 << 22): Promise<string[]> {
  const wanted = new Set(keys);
  const seen: string[] = [];
  const counts = new Map<string, number>();
  let depth = 0;
  let inString = false;
  let escape = false;
  let expectKey = false;
  let keyParts: Buffer[] | null = null;
  let keyStart = 0;
  let lastKey = '';
  let currentKey: string | null = null;
  let arrayKey: string | null = null;
  let parts: Buffer[] | null = null;
  let start = 0;
  let started = false;
  let offset = 0;

  const fail = (msg: string): never => {
    throw new DatasetError(`${file}: ${msg}`);
  };
  const emit = (bytes: Buffer) => {
    const k = arrayKey!;
    const idx = counts.get(k) ?? 0;
    counts.set(k, idx + 1);
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      fail(`"${k}"[${idx}] is not valid JSON (${(e as Error).message})`);
    }
    onElement(k, value, idx);
  };

  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (e) {
    throw new DatasetError(`cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      for (let i = 0; i < bytesRead; i++) {
        const b = chunk[i];
        if (inString) {
          if (escape) escape = false;
          else if (b === BACKSLASH) escape = true;
          else if (b === QUOTE) {
            inString = false;
            if (keyParts) {
              keyParts.push(chunk.subarray(keyStart, i));
              lastKey = Buffer.concat(keyParts).toString('utf8');
              keyParts = null;
            }
          }
          continue;
        }
        if (!started) {
          if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
          if (b === 0xef || b === 0xbb || b === 0xbf) continue; // UTF-8 byte order mark
          if (b !== LBRACE) fail(`not a JSON object (starts with '${String.fromCharCode(b)}' at byte ${offset + i})`);
          started = true;
        }
        switch (b) {
          case QUOTE:
            inString = true;
            if (depth === 1 && expectKey) {
              keyParts = [];
              keyStart = i + 1;
            }
            break;
          case LBRACE:
          case LBRACKET:
            if (depth === 1 && b === LBRACKET && currentKey !== null && wanted.has(currentKey)) arrayKey = currentKey;
            else if (depth === 2 && arrayKey !== null) {
              parts = [];
              start = i;
            }
            depth++;
            if (depth === 1) expectKey = true;
            break;
          case RBRACE:
          case RBRACKET:
            depth--;
            if (depth < 0) fail(`unbalanced '${String.fromCharCode(b)}' at byte ${offset + i}`);
            if (depth === 2 && parts) {
              parts.push(chunk.subarray(start, i + 1));
              emit(parts.length === 1 ? parts[0] : Buffer.concat(parts));
              parts = null;
            } else if (depth === 1) arrayKey = null;
            break;
          case COLON:
            if (depth === 1) {
              currentKey = lastKey;
              seen.push(lastKey);
              expectKey = false;
            }
            break;
          case COMMA:
            if (depth === 1) {
              currentKey = null;
              expectKey = true;
            }
            break;
          default:
            // a scalar element of a wanted array (not an object): parse it alone
            if (depth === 2 && arrayKey !== null && b > 0x20 && !parts) {
              let j = i;
              while (j < bytesRead && chunk[j] !== COMMA && chunk[j] !== RBRACKET) j++;
              emit(chunk.subarray(i, j));
              i = j - 1;
            }
        }
      }
      if (keyParts) {
        keyParts.push(Buffer.from(chunk.subarray(keyStart)));
        keyStart = 0;
      }
      if (parts) {
        parts.push(Buffer.from(chunk.subarray(start)));
        start = 0;
      }
      offset += bytesRead;
    }
  } finally {
    await fh.close();
  }
  if (!started) fail('empty file (expected a JSON object)');
  if (depth !== 0 || inString) fail('truncated JSON (the file ends inside an object or array)');
  return seen;
}
