// Speed of oneDNN's strided 1x1 backward-weights in its blocked layout (jit_1x1) and in the plain HWIO
// layout (gemm), median of 15, reorder to HWIO included: what the workaround in engine/native/src/conv.cc
// would cost if it applied to every channel count.
//   g++ -O2 -I/usr/include/oneapi/dnnl bench/native/onednn_1x1_bwd_weights_speed.cc -ldnnl -o /tmp/speed && /tmp/speed
#include <dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>
#include <algorithm>
using namespace dnnl;
double run(bool plain, int64_t N, int64_t C, int64_t H, int64_t W, int64_t CO) {
  int64_t OH = (H - 1) / 2 + 1, OW = (W - 1) / 2 + 1;
  engine eng(engine::kind::cpu, 0); stream s(eng);
  memory::desc src({N, C, H, W}, memory::data_type::f32, memory::format_tag::nhwc);
  memory::desc dst({N, CO, OH, OW}, memory::data_type::f32, memory::format_tag::nhwc);
  memory::desc wu({CO, C, 1, 1}, memory::data_type::f32, memory::format_tag::hwio);
  memory::desc wany({CO, C, 1, 1}, memory::data_type::f32, plain ? memory::format_tag::hwio : memory::format_tag::any);
  convolution_forward::primitive_desc fpd(convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wany, dst, {2, 2}, {0, 0}, {0, 0}, {0, 0}), eng);
  convolution_backward_weights::primitive_desc bpd(convolution_backward_weights::desc(algorithm::convolution_direct, src, wany, dst, {2, 2}, {0, 0}, {0, 0}, {0, 0}), eng, fpd);
  memory ms(src, eng), md(dst, eng), mw(bpd.diff_weights_desc(), eng), mu(wu, eng);
  memset(ms.get_data_handle(), 0, src.get_size()); memset(md.get_data_handle(), 0, dst.get_size());
  convolution_backward_weights p(bpd);
  bool same = bpd.diff_weights_desc() == wu;
  reorder r = same ? reorder() : reorder(mw, mu);
  std::vector<double> t;
  for (int i = 0; i < 15; i++) {
    auto a = std::chrono::steady_clock::now();
    p.execute(s, {{DNNL_ARG_SRC, ms}, {DNNL_ARG_DIFF_DST, md}, {DNNL_ARG_DIFF_WEIGHTS, mw}});
    if (!same) r.execute(s, mw, mu);
    s.wait();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  printf("  %s: %s %.3f ms\n", plain ? "plain" : "any  ", bpd.impl_info_str(), t[7]);
  return t[7];
}
int main() {
  int64_t g[][5] = {{2, 64, 56, 56, 128}, {2, 128, 28, 28, 256}, {2, 256, 14, 14, 512}, {1, 256, 200, 272, 512}, {1, 512, 100, 136, 1024}, {1, 1024, 50, 68, 2048}, {128, 16, 32, 32, 32}};
  for (auto &x : g) {
    printf("N=%ld C=%ld %ldx%ld -> %ld\n", x[0], x[1], x[2], x[3], x[4]);
    double a = run(false, x[0], x[1], x[2], x[3], x[4]), b = run(true, x[0], x[1], x[2], x[3], x[4]);
    printf("  ratio plain/any %.2f\n", b / a);
  }
}
