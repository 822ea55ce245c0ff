/**
 * PyTorch's nn.ModuleList / nn.Sequential naming: the children of a list are named 0, 1, 2, … so that their
 * parameters are `name.0.weight`, `name.1.weight`, … as in torchvision's state dicts.
 */
import { Module } from './module';

export class ModuleList<M extends Module> extends Module {
  constructor(readonly items: M[]) {
    super();
    items.forEach((m, i) => this.addModule(String(i), m));
  }
}
