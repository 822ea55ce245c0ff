/** Python's '{:0.Nf}' for the summary lines: like toFixed, but an exact tie rounds half to even, as Python does. */
export function pyFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e15) return s;
  const exact = Math.abs(x).toFixed(100); // the exact binary value in decimal, for |x| well above 2^-40
  const frac = exact.split('.')[1] ?? '';
  const rest = frac.slice(digits);
  if (!/^50*$/.test(rest)) return s;
  // a tie: toFixed rounded away from zero; Python keeps the even last digit
  const down = (Math.sign(x) * Number(exact.slice(0, exact.indexOf('.') + 1 + digits))).toFixed(digits);
  const last = Number(down[down.length - 1]);
  return last % 2 === 0 ? down : s;
}
