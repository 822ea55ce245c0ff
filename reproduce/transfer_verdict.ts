/**
 * Whether the transfer claim holds in a results.json, in plain sentences with the evidence: (1) the transfer
 * gain — the pretrained ResNet-18 detector beats the same detector from scratch on VOC07 mAP@0.5 and COCO AP,
 * by more than the seeds' spread (every pretrained seed above every scratch seed); (2) better pretrained
 * features give better detectors — among the pretrained backbones, the detectors' order follows their
 * classifiers' order.
 */
import { TransferResults } from './transfer_results';
import { summarise } from './transfer_summary';

const pts = (x: number) => `${(100 * x).toFixed(1)} points`;

function gainSentence(r: TransferResults): string | null {
  const pre = summarise(r, 'resnet18-pretrained', 'voc07_map50');
  const scr = summarise(r, 'resnet18-scratch', 'voc07_map50');
  const preAp = summarise(r, 'resnet18-pretrained', 'coco_ap');
  const scrAp = summarise(r, 'resnet18-scratch', 'coco_ap');
  if (!pre || !scr || !preAp || !scrAp) return null;
  const gain = pre.mean - scr.mean;
  const rel = scrAp.mean > 0 ? (100 * (preAp.mean - scrAp.mean)) / scrAp.mean : NaN;
  const clear = pre.min > scr.max && preAp.min > scrAp.max;
  const evidence = `ResNet-18 pretrained ${pre.mean.toFixed(3)} vs from scratch ${scr.mean.toFixed(3)} VOC07 mAP@0.5 (${gain >= 0 ? '+' : '−'}${pts(Math.abs(gain))}), COCO AP ${preAp.mean.toFixed(3)} vs ${scrAp.mean.toFixed(3)} (${Number.isFinite(rel) ? `${rel >= 0 ? '+' : ''}${rel.toFixed(0)}% relative` : 'n/a'})`;
  if (clear) return `The transfer gain holds at this budget: ${evidence}; every pretrained seed is above every scratch seed on both metrics.`;
  if (gain > 0) return `The transfer gain is not clear at this budget: ${evidence}, but the seeds overlap (${pre.n} and ${scr.n} seeds).`;
  return `The transfer gain does not hold at this budget: ${evidence}.`;
}

function orderSentence(r: TransferResults): string | null {
  const archs = r.pretraining.filter((p) => r.runs.some((x) => x.name === `${p.arch}-pretrained`));
  if (archs.length < 2) return null;
  const byTop1 = [...archs].sort((a, b) => b.top1 - a.top1).map((p) => p.arch);
  const det = (a: string) => summarise(r, `${a}-pretrained`, 'voc07_map50')!.mean;
  const byMap = [...archs].sort((a, b) => det(b.arch) - det(a.arch)).map((p) => p.arch);
  const list = (order: string[], f: (a: string) => string) => order.map((a) => `${a} ${f(a)}`).join(' > ');
  const top1 = (a: string) => archs.find((p) => p.arch === a)!.top1.toFixed(4);
  const same = byTop1.join() === byMap.join();
  return (
    `Classifier top-1 orders the pretrained backbones ${list(byTop1, top1)}; their detectors' VOC07 mAP@0.5 orders them ${list(byMap, (a) => det(a).toFixed(3))}: ` +
    (same ? 'the better classifier gives the better detector, as in the paper.' : 'not the same order, so at this budget a better classifier did not always give a better detector.')
  );
}

export function transferVerdict(r: TransferResults): string {
  const s = [gainSentence(r), orderSentence(r)].filter(Boolean);
  return s.length ? s.join(' ') : 'Not enough variants in this run to judge the claim (it needs resnet18-scratch and resnet18-pretrained).';
}
