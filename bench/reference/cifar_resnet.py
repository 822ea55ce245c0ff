"""The CIFAR ResNet-20 of the paper (He et al., section 4.2) with option-A shortcuts, as resdet builds it: the
reference model of bench/reference/torch_resnet20.py and torch_fmnist_short_recipe.py."""
import torch
from torch import nn
import torch.nn.functional as F


class Block(nn.Module):
    """Two 3x3 conv + batch norm; the shortcut subsamples and appends zero channels when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        short = x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
        if self.extra:
            short = torch.cat([short, short.new_zeros(short.shape[0], self.extra, *short.shape[2:])], 1)
        return F.relu(self.body(x) + short)


def resnet20(in_channels):
    layers = [nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)]
    cin = 16
    for cout in (16, 32, 64):
        for i in range(3):
            layers.append(Block(cin, cout, 2 if i == 0 and cout != 16 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)
