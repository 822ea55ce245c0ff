/** The paper's own numbers the reproduction is set beside (He et al. 2015, CIFAR-10). */

/** Table 6: test error of the CIFAR-10 ResNets (option A, 64k iterations), as fractions. */
export const TABLE6_TEST_ERROR: Record<string, number> = {
  resnet20: 0.0875,
  resnet32: 0.0751,
  resnet44: 0.0717,
  resnet56: 0.0697,
  resnet110: 0.0643,
};

/** Fig. 6's ordering, in words. */
export const FIG6_ORDERING = {
  plain: 'plain-56 has higher training (and test) error than plain-20 throughout training: the degradation problem',
  resnet: 'ResNet-56 has lower training and test error than ResNet-20: depth helps once there are shortcuts',
};
