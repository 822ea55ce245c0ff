/**
 * The `--classes a,b,c` option, shared by the commands that read datasets whose format does not carry class
 * names (CSV, YOLO, VOC folders without classes.txt) or that name a model's classes: comma-separated, blanks
 * around names and empty entries ignored; no name at all, or a name given twice, is a usage error (exit 2).
 */
import { InvalidArgumentError, Option } from 'commander';

export function parseClassList(v: string): string[] {
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError('give class names separated by commas.');
  const twice = names.find((s, i) => names.indexOf(s) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`class '${twice}' is given twice.`);
  return names;
}

export function classesOption(description: string, flags = '--classes <names>'): Option {
  return new Option(flags, description).argParser(parseClassList);
}
