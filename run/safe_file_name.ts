/**
 * A name a dataset may hold (a class name such as "T-shirt/top" or "../x", with spaces, non-ASCII, any length)
 * as part of one file name, reversibly: letters, digits, '_', '-' and '.' stay, every other UTF-8 byte becomes
 * %XX ('%' itself too), and a leading '.' becomes %2E so no name is hidden, '.' or '..'. Names whose escaped
 * form is longer than MAX_CHARS are cut and end in '~' and a hash of the whole name ('~' never appears
 * otherwise, so a cut name cannot equal another name's escaped form); only those do not decode back.
 */
import { createHash } from 'crypto';

export const MAX_CHARS = 160;

const KEEP = /[A-Za-z0-9_.-]/;

export function safeFileName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (KEEP.test(ch) && !(ch === '.' && out === '')) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_CHARS) return out;
  const hash = createHash('sha1').update(name, 'utf8').digest('hex').slice(0, 16);
  let cut = out.slice(0, MAX_CHARS - hash.length - 1);
  cut = cut.replace(/%[0-9A-F]?$/, ''); // never end inside an escape
  return `${cut}~${hash}`;
}

/** The name safeFileName escaped; undefined for a cut (hashed) name or text that is not an escaped name. */
export function fromSafeFileName(escaped: string): string | undefined {
  if (escaped.includes('~') || /%(?![0-9A-F]{2})/.test(escaped)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    if (escaped[i] === '%') {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(escaped.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
