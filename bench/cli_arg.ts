/** The benches' one option reader: the value after `--name` (given as 'name' or '--name') on the command line, else `fallback`. */
export function arg(name: string, fallback: string): string {
  const flag = name.startsWith('--') ? name : `--${name}`;
  const i = process.argv.indexOf(flag);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
