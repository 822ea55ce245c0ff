/**
 * The architectures of the paper: ImageNet-style ResNet-18…152 and plain-18/34; CIFAR-style ResNet-20…1202
 * (depth 6n+2, three stages of 16/32/64 filters) and plain-20…110.
 */
export interface ArchSpec {
  name: string;
  style: 'imagenet' | 'cifar';
  block: 'basic' | 'bottleneck';
  /** blocks per stage */
  layers: number[];
  /** planes (block width before expansion) per stage */
  planes: number[];
  /** stem width */
  stem: number;
  plain: boolean;
  defaultShortcut: 'A' | 'B' | 'C';
}

const IMAGENET: Record<string, { block: 'basic' | 'bottleneck'; layers: number[] }> = {
  '18': { block: 'basic', layers: [2, 2, 2, 2] },
  '34': { block: 'basic', layers: [3, 4, 6, 3] },
  '50': { block: 'bottleneck', layers: [3, 4, 6, 3] },
  '101': { block: 'bottleneck', layers: [3, 4, 23, 3] },
  '152': { block: 'bottleneck', layers: [3, 8, 36, 3] },
};
const CIFAR_DEPTHS = [20, 32, 44, 56, 110, 1202];
const PLAIN_IMAGENET = ['18', '34'];
const PLAIN_CIFAR = [20, 32, 44, 56, 110];

export const ARCH_NAMES: string[] = [
  ...Object.keys(IMAGENET).map((d) => `resnet${d}`),
  ...CIFAR_DEPTHS.map((d) => `resnet${d}`),
  ...PLAIN_IMAGENET.map((d) => `plain${d}`),
  ...PLAIN_CIFAR.map((d) => `plain${d}`),
];

export class UnknownArchError extends Error {}

export function archSpec(name: string): ArchSpec {
  const m = /^(resnet|plain)(\d+)$/.exec(name);
  const plain = m?.[1] === 'plain';
  if (m && ARCH_NAMES.includes(name)) {
    const depth = m[2];
    if (IMAGENET[depth]) {
      return { name, style: 'imagenet', ...IMAGENET[depth], planes: [64, 128, 256, 512], stem: 64, plain, defaultShortcut: 'B' };
    }
    const n = (Number(depth) - 2) / 6;
    return { name, style: 'cifar', block: 'basic', layers: [n, n, n], planes: [16, 32, 64], stem: 16, plain, defaultShortcut: 'A' };
  }
  throw new UnknownArchError(`unknown architecture '${name}': expected one of ${ARCH_NAMES.join(', ')}`);
}
