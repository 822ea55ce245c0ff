/**
 * The four detectors the transfer comparison trains with one recipe: the same ResNet-18 from scratch and from
 * pretrained weights (the transfer gain), its plain twin without shortcuts (same depth, a worse classifier) and
 * the deeper ResNet-34 (a better one), both pretrained the same way.
 */
import { ConfigError } from '../run/config';

export const TRANSFER_VARIANTS = ['resnet18-scratch', 'resnet18-pretrained', 'plain18-pretrained', 'resnet34-pretrained'] as const;
export type TransferVariant = (typeof TRANSFER_VARIANTS)[number];

export const TRANSFER_WIDTHS = [0.25, 0.5];

export interface VariantSpec {
  name: TransferVariant;
  arch: 'resnet18' | 'plain18' | 'resnet34';
  pretrained: boolean;
}

export function variantSpec(name: TransferVariant): VariantSpec {
  const [arch, init] = name.split('-') as [VariantSpec['arch'], string];
  return { name, arch, pretrained: init === 'pretrained' };
}

/** Parses a comma-separated list of variant names (unknown or repeated names are a ConfigError). */
export function parseVariants(list: string): TransferVariant[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new ConfigError(`--variants: no variant given (known: ${TRANSFER_VARIANTS.join(', ')})`);
  for (const n of names) {
    if (!(TRANSFER_VARIANTS as readonly string[]).includes(n)) throw new ConfigError(`--variants: unknown variant '${n}' (known: ${TRANSFER_VARIANTS.join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new ConfigError(`--variants: a variant is named twice in '${list}'`);
  return names as TransferVariant[];
}

/** Parses `--seeds 0,1` (non-negative integers, no repeats). */
export function parseSeeds(list: string): number[] {
  const seeds = list.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new ConfigError(`--seeds: expected non-negative integers separated by commas, got '${list}'`);
  if (new Set(seeds).size !== seeds.length) throw new ConfigError(`--seeds: a seed is named twice in '${list}'`);
  return seeds;
}

export function checkWidth(width: number): number {
  if (!TRANSFER_WIDTHS.includes(width)) throw new ConfigError(`--width: must be ${TRANSFER_WIDTHS.join(' or ')}, got ${width}`);
  return width;
}
