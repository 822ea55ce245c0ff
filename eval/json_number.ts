/**
 * JSON number tokens read straight from bytes. Values are the doubles JSON.parse gives: mantissas up to 2^53
 * scaled by an exact power of ten up to 1e22 are one correctly rounded operation (Clinger's fast path); anything
 * else goes through the engine's own conversion of the token text.
 */
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT = 2 ** 53;

export interface NumberToken {
  value: number;
  /** Offset just past the token, or -1 if the bytes at the start offset are not a JSON number. */
  end: number;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export function readJsonNumber(b: Uint8Array, start: number, out: NumberToken): void {
  let i = start;
  const neg = b[i] === 0x2d;
  if (neg) i++;
  if (!isDigit(b[i])) return fail(out);
  let m = 0;
  let exact = true;
  let e = 0;
  if (b[i] === 0x30) i++;
  else {
    for (; isDigit(b[i]); i++) {
      if (m > (MAX_EXACT - 9) / 10) exact = false;
      else m = m * 10 + (b[i] - 0x30);
    }
  }
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) return fail(out);
    for (; isDigit(b[i]); i++, e--) {
      if (m > (MAX_EXACT - 9) / 10) exact = false;
      else m = m * 10 + (b[i] - 0x30);
    }
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    let eneg = false;
    if (b[i] === 0x2b || b[i] === 0x2d) eneg = b[i++] === 0x2d;
    if (!isDigit(b[i])) return fail(out);
    let x = 0;
    for (; isDigit(b[i]); i++) if (x < 100000) x = x * 10 + (b[i] - 0x30);
    e += eneg ? -x : x;
  }
  if (exact && e >= -22 && e <= 22) {
    const v = e < 0 ? m / POW10[-e] : m * POW10[e];
    out.value = neg ? -v : v;
  } else {
    out.value = Number(Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('latin1'));
  }
  out.end = i;
}

function fail(out: NumberToken): void {
  out.end = -1;
}
