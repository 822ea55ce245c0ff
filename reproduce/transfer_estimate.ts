/**
 * How long the transfer comparison will take, from throughputs measured on this project's 2-core machine with
 * the native backend (2 threads, quiet machine; figures of `resdet reproduce transfer` runs' logs, see
 * bench/RESULTS.md): classifier pretraining images/s at 64x64, detector iterations/s (4 canvases
 * of 160x160) and detector inference images/s. Other sizes scale with the pixel count; other backends are slower
 * (wasm about 5-10x), which the printed estimate says.
 */
const PRETRAIN_IMAGES_PER_S: Record<string, number> = { 'resnet18@0.25': 1100, 'resnet34@0.25': 650, 'resnet18@0.5': 400, 'resnet34@0.5': 220 };
const DETECTOR_ITERS_PER_S: Record<string, number> = { 'resnet18@0.25': 6, 'resnet34@0.25': 4.5, 'resnet18@0.5': 3, 'resnet34@0.5': 2 };
const DETECT_IMAGES_PER_S: Record<string, number> = { 'resnet18@0.25': 40, 'resnet34@0.25': 32, 'resnet18@0.5': 25, 'resnet34@0.5': 18 };

const key = (arch: string, width: number) => `${arch === 'plain18' ? 'resnet18' : arch}@${width}`;
const rate = (table: Record<string, number>, arch: string, width: number) => table[key(arch, width)] ?? Math.min(...Object.values(table)) / 4;

export function pretrainSeconds(arch: string, width: number, images: number, epochs: number, imageSize: number, testImages: number): number {
  const ips = rate(PRETRAIN_IMAGES_PER_S, arch, width) / (imageSize / 64) ** 2;
  return (images * epochs) / ips + testImages / (3 * ips);
}

export function detectorSeconds(arch: string, width: number, iters: number, imsPerBatch: number, side: number, evals: number, testCanvases: number): number {
  const pixels = (side / 160) ** 2;
  const train = (iters * (imsPerBatch / 4) * pixels) / rate(DETECTOR_ITERS_PER_S, arch, width);
  return train + (evals * testCanvases * pixels) / rate(DETECT_IMAGES_PER_S, arch, width);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
