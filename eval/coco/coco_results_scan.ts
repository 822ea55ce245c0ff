/**
 * A fast reader for results lists of the usual shape — `[{"image_id": n, "category_id": n, "bbox": [4 numbers],
 * "score": n}, …]`, keys in any order, other keys with plain values (numbers, strings, true/false/null) skipped —
 * straight from the file's bytes into columns, without building 500,000 objects. Returns null for anything else
 * (nested extra fields, a missing key, a syntax error), and the caller falls back to JSON.parse, which also gives
 * the precise error message. Numbers are the doubles JSON.parse would give.
 */
import { NumberToken, readJsonNumber } from '../json_number';

export interface ScannedResults {
  count: number;
  imageId: Float64Array;
  categoryId: Float64Array;
  /** x, y, w, h interleaved. */
  bbox: Float64Array;
  score: Float64Array;
}

const KEY_IMAGE = 1, KEY_CATEGORY = 2, KEY_BBOX = 4, KEY_SCORE = 8, KEY_OTHER = 16;

function same(b: Uint8Array, s: number, n: number, word: string): boolean {
  if (n !== word.length) return false;
  for (let k = 0; k < n; k++) if (b[s + k] !== word.charCodeAt(k)) return false;
  return true;
}

function keyOf(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (same(b, s, n, 'image_id')) return KEY_IMAGE;
  if (same(b, s, n, 'category_id')) return KEY_CATEGORY;
  if (same(b, s, n, 'bbox')) return KEY_BBOX;
  if (same(b, s, n, 'score')) return KEY_SCORE;
  return KEY_OTHER;
}

class Columns {
  count = 0;
  imageId = new Float64Array(1024);
  categoryId = new Float64Array(1024);
  bbox = new Float64Array(4096);
  score = new Float64Array(1024);
  grow(): void {
    const cap = this.imageId.length * 2;
    const bigger = (a: Float64Array, n: number) => {
      const out = new Float64Array(n);
      out.set(a);
      return out;
    };
    this.imageId = bigger(this.imageId, cap);
    this.categoryId = bigger(this.categoryId, cap);
    this.bbox = bigger(this.bbox, cap * 4);
    this.score = bigger(this.score, cap);
  }
}

export function scanCocoResults(b: Uint8Array): ScannedResults | null {
  let i = 0;
  const n = b.length;
  const num: NumberToken = { value: 0, end: 0 };
  const ws = () => {
    while (i < n && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  };
  const number = (): number => {
    readJsonNumber(b, i, num);
    if (num.end < 0) throw null;
    i = num.end;
    return num.value;
  };
  let strStart = 0;
  let strEnd = 0;
  const string = (): void => {
    if (b[i] !== 0x22) throw null;
    strStart = ++i;
    while (i < n && b[i] !== 0x22) {
      if (b[i] === 0x5c || b[i] < 0x20) throw null; // escapes: leave them to JSON.parse
      i++;
    }
    if (i >= n) throw null;
    strEnd = i++;
  };
  const word = (w: string) => {
    for (let k = 0; k < w.length; k++) if (b[i + k] !== w.charCodeAt(k)) throw null;
    i += w.length;
  };
  const cols = new Columns();
  try {
    ws();
    if (b[i++] !== 0x5b) return null;
    ws();
    if (b[i] === 0x5d) i++;
    else {
      for (;;) {
        ws();
        if (b[i++] !== 0x7b) return null;
        if (cols.count === cols.imageId.length) cols.grow();
        const r = cols.count;
        let seen = 0;
        for (;;) {
          ws();
          string();
          const key = keyOf(b, strStart, strEnd);
          ws();
          if (b[i++] !== 0x3a) return null;
          ws();
          seen |= key;
          if (key === KEY_IMAGE) cols.imageId[r] = number();
          else if (key === KEY_CATEGORY) cols.categoryId[r] = number();
          else if (key === KEY_SCORE) cols.score[r] = number();
          else if (key === KEY_BBOX) {
            if (b[i++] !== 0x5b) return null;
            for (let k = 0; k < 4; k++) {
              ws();
              cols.bbox[r * 4 + k] = number();
              ws();
              if (b[i++] !== (k < 3 ? 0x2c : 0x5d)) return null;
            }
          } else if (b[i] === 0x22) string();
          else if (b[i] === 0x74) word('true');
          else if (b[i] === 0x66) word('false');
          else if (b[i] === 0x6e) word('null');
          else number();
          ws();
          const c = b[i++];
          if (c === 0x7d) break;
          if (c !== 0x2c) return null;
        }
        if ((seen & 15) !== 15) return null;
        cols.count++;
        ws();
        const c = b[i++];
        if (c === 0x5d) break;
        if (c !== 0x2c) return null;
      }
    }
    ws();
    if (i !== n) return null;
  } catch (e) {
    if (e === null) return null;
    throw e;
  }
  const k = cols.count;
  return { count: k, imageId: cols.imageId.subarray(0, k), categoryId: cols.categoryId.subarray(0, k), bbox: cols.bbox.subarray(0, k * 4), score: cols.score.subarray(0, k) };
}
