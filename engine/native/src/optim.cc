// Optimizer updates as one pass per parameter, in the same float operations and order as the tfjs ops they
// replace (engine/optim/sgd.ts), so the result is the same bit for bit:
//   sgdStep(p, buf|null, grad, pOut, bufOut|null, lr, momentum, weightDecay, nesterov)
//     g = grad + p * weightDecay (when weightDecay != 0)
//     momentum != 0: b = buf * momentum + g (b = g without buf: the first step), written to bufOut;
//                    d = nesterov ? g + b * momentum : b
//     momentum == 0: d = g
//     pOut = p - d * lr
// Compiled without contracting a * b + c into one fused multiply-add (which -march=native would emit): the tfjs
// ops round after each multiplication, and so must this.
#pragma GCC optimize("fp-contract=off")
#include "common.h"

namespace rn {
namespace {

Napi::Value SgdStep(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const float *p = F32(info[0]), *buf = F32(info[1]), *grad = F32(info[2]);
    float *pOut = F32(info[3]), *bufOut = F32(info[4]);
    const int64_t n = static_cast<int64_t>(Len(info[0]));
    if (static_cast<int64_t>(Len(info[2])) != n || static_cast<int64_t>(Len(info[3])) != n ||
        (buf && static_cast<int64_t>(Len(info[1])) != n) || (bufOut && static_cast<int64_t>(Len(info[4])) != n))
      throw std::length_error("sgdStep: parameter, gradient and buffers differ in size");
    const float lr = static_cast<float>(Dbl(info[5])), m = static_cast<float>(Dbl(info[6]));
    const float wd = static_cast<float>(Dbl(info[7]));
    const bool nesterov = Bool(info[8]);
    if (m != 0.f && !bufOut) throw std::invalid_argument("sgdStep: momentum needs a buffer output");
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      float g = grad[i];
      if (wd != 0.f) g = g + p[i] * wd;
      float d = g;
      if (m != 0.f) {
        const float b = buf ? buf[i] * m + g : g;
        bufOut[i] = b;
        d = nesterov ? g + b * m : b;
      }
      pOut[i] = p[i] - d * lr;
    }
  });
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) { exports.Set("sgdStep", Napi::Function::New(env, SgdStep)); }

}  // namespace rn
