// Guard-page check of oneDNN's strided 1x1 backward-weights convolution (the kernel resdet's native backend
// avoids for channel counts that are not a multiple of 16: engine/native/src/conv.cc, bwdWeightsMd).
// Every buffer, the scratchpad included (user scratchpad mode), ends at a PROT_NONE page, so a write past
// its end faults at once instead of corrupting the heap; each geometry runs in a forked child.
//   g++ -O1 -I/usr/include/oneapi/dnnl bench/native/onednn_1x1_guard_sweep.cc -ldnnl -o /tmp/sweep
//   OMP_NUM_THREADS=2 /tmp/sweep        # prints FAULT lines and "N faults of M"
// oneDNN 2.6.3 (Debian 12), AVX-512 CPU, 2026-12-06: 43 faults of 1992 at 2 threads, all with 3-12 input
// channels, an even input and stride 2 (none at 1 thread; the same channels at 3, 4 and 8 threads).
#include <dnnl.hpp>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
using namespace dnnl;
static void *guarded(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;
  size_t pg = sysconf(_SC_PAGESIZE), n = (bytes + pg - 1) / pg * pg;
  char *p = (char *)mmap(nullptr, n + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(p + n, pg, PROT_NONE);
  return p + n - bytes;
}
int one(int64_t N, int64_t C, int64_t H, int64_t W, int64_t CO, int64_t S) {
  int64_t OH = (H - 1) / S + 1, OW = (W - 1) / S + 1;
  engine eng(engine::kind::cpu, 0); stream s(eng);
  memory::desc src({N, C, H, W}, memory::data_type::f32, memory::format_tag::nhwc);
  memory::desc dst({N, CO, OH, OW}, memory::data_type::f32, memory::format_tag::nhwc);
  memory::desc wany({CO, C, 1, 1}, memory::data_type::f32, memory::format_tag::any);
  convolution_forward::primitive_desc fpd(convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wany, dst, {S, S}, {0, 0}, {0, 0}, {0, 0}), eng);
  primitive_attr attr; attr.set_scratchpad_mode(scratchpad_mode::user);
  convolution_backward_weights::primitive_desc bpd(convolution_backward_weights::desc(algorithm::convolution_direct, src, wany, dst, {S, S}, {0, 0}, {0, 0}, {0, 0}), attr, eng, fpd);
  memory ms(src, eng, guarded(src.get_size())), md(dst, eng, guarded(dst.get_size())), mw(bpd.diff_weights_desc(), eng, guarded(bpd.diff_weights_desc().get_size()));
  memory sp(bpd.scratchpad_desc(), eng, guarded(bpd.scratchpad_desc().get_size()));
  memset(ms.get_data_handle(), 0, src.get_size()); memset(md.get_data_handle(), 0, dst.get_size());
  convolution_backward_weights(bpd).execute(s, {{DNNL_ARG_SRC, ms}, {DNNL_ARG_DIFF_DST, md}, {DNNL_ARG_DIFF_WEIGHTS, mw}, {DNNL_ARG_SCRATCHPAD, sp}});
  s.wait();
  return strstr(bpd.impl_info_str(), "jit_1x1") ? 1 : 0;
}
int main() {
  int bad = 0, total = 0;
  for (int64_t N : {1, 2, 3, 8, 128}) for (int64_t C : {3, 4, 8, 12, 16, 24, 32, 48, 64, 256}) for (int64_t CO : {8, 16, 64, 512}) for (int64_t H : {8, 9, 16, 17, 32}) for (int64_t S : {2, 1}) {
    int64_t W = H + 8;
    if (N * C * H * W > 40000000) continue;
    pid_t pid = fork();
    if (pid == 0) _exit(one(N, C, H, W, CO, S));
    int st; waitpid(pid, &st, 0); total++;
    if (!WIFEXITED(st)) { bad++; printf("FAULT N=%ld C=%ld H=%ld W=%ld CO=%ld S=%ld\n", N, C, H, W, CO, S); }
  }
  printf("%d faults of %d\n", bad, total);
}
