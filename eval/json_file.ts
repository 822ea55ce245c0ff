/** Reads JSON inputs of the evaluators; a syntax error names the file, line, column and character offset. */
import * as fs from 'fs';
import { EvalInputError } from './eval_error';
import { jsonErrorOffset, lineAndColumn } from './json_syntax_error';

export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const stated = /at position (\d+)/.exec(msg);
    const offset = stated ? Number(stated[1]) : jsonErrorOffset(text);
    const { line, column } = lineAndColumn(text, offset);
    const rest = text.slice(offset, offset + 12);
    let what = offset >= text.length ? 'unexpected end of input' : `unexpected ${JSON.stringify(rest)}`;
    if (/^-?(NaN|Infinity)/.test(rest)) what += ' (NaN and Infinity are not JSON numbers: a score or box that is not finite?)';
    throw new EvalInputError(`${source}: invalid JSON at line ${line}, column ${column} (position ${offset}): ${what}`);
  }
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EvalInputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseJson(text, file);
}
