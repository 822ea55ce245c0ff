// Element-wise float32 kernels with OpenMP threads over the caller's buffers.
//   binary(op, a, aStrides, b, bStrides, out, outShape)   numpy broadcasting: the JS side passes each
//       input's strides over the output's shape (0 on broadcast axes)
//   unary(op, x, out, alpha)
//   reluGrad(dy, x, out)      dy * (x > 0)
//   addN(list, out)
#include "common.h"
#include <cmath>

namespace rn {
namespace {

enum Bin { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SQDIFF, ADD_RELU };
enum Un { RELU, STEP, NEG, EXP, LOG, SQRT, RSQRT, SQUARE, ABS, SIGMOID, TANH, RELU6, RECIPROCAL };

template <int OP>
inline float bin(float a, float b) {
  if (OP == ADD) return a + b;
  if (OP == SUB) return a - b;
  if (OP == MUL) return a * b;
  if (OP == DIV) return a / b;
  if (OP == MAXIMUM) return a > b || std::isnan(a) ? a : b;
  if (OP == MINIMUM) return a < b || std::isnan(a) ? a : b;
  if (OP == SQDIFF) return (a - b) * (a - b);
  float s = a + b;  // ADD_RELU
  return s > 0.f ? s : 0.f;
}

/** Dimensions merged where both inputs stay contiguous (or broadcast) across them. */
struct Loop {
  std::vector<int64_t> d, sa, sb;
  Loop(const std::vector<int64_t> &shape, const std::vector<int64_t> &a, const std::vector<int64_t> &b) {
    for (size_t i = 0; i < shape.size(); i++) {
      if (shape[i] == 1) continue;
      if (!d.empty() && sa.back() == a[i] * shape[i] && sb.back() == b[i] * shape[i]) {
        d.back() *= shape[i];
        sa.back() = a[i];
        sb.back() = b[i];
      } else {
        d.push_back(shape[i]);
        sa.push_back(a[i]);
        sb.push_back(b[i]);
      }
    }
    if (d.empty()) { d = {1}; sa = {0}; sb = {0}; }
  }
};

template <int OP>
void runBinary(const float *a, const float *b, float *out, const Loop &L) {
  const int k = static_cast<int>(L.d.size());
  const int64_t inner = L.d[k - 1], ia = L.sa[k - 1], ib = L.sb[k - 1];
  int64_t rows = 1;
  for (int i = 0; i < k - 1; i++) rows *= L.d[i];
  const bool par = rows * inner >= kParallelMin;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    int64_t oa = 0, ob = 0, rem = r;
    for (int i = k - 2; i >= 0; i--) {
      int64_t q = rem % L.d[i];
      rem /= L.d[i];
      oa += q * L.sa[i];
      ob += q * L.sb[i];
    }
    const float *pa = a + oa, *pb = b + ob;
    float *po = out + r * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t j = 0; j < inner; j++) po[j] = bin<OP>(pa[j], pb[j]);
    } else if (ia == 1) {
      const float bv = pb[0];
      for (int64_t j = 0; j < inner; j++) po[j] = bin<OP>(pa[j], bv);
    } else if (ib == 1) {
      const float av = pa[0];
      for (int64_t j = 0; j < inner; j++) po[j] = bin<OP>(av, pb[j]);
    } else {
      for (int64_t j = 0; j < inner; j++) po[j] = bin<OP>(pa[j * ia], pb[j * ib]);
    }
  }
}

Napi::Value Binary(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    int op = static_cast<int>(I64(info[0]));
    Loop L(Ints(info[6]), Ints(info[2]), Ints(info[4]));
    const float *a = F32(info[1]), *b = F32(info[3]);
    float *o = F32(info[5]);
    switch (op) {
      case ADD: runBinary<ADD>(a, b, o, L); break;
      case SUB: runBinary<SUB>(a, b, o, L); break;
      case MUL: runBinary<MUL>(a, b, o, L); break;
      case DIV: runBinary<DIV>(a, b, o, L); break;
      case MAXIMUM: runBinary<MAXIMUM>(a, b, o, L); break;
      case MINIMUM: runBinary<MINIMUM>(a, b, o, L); break;
      case SQDIFF: runBinary<SQDIFF>(a, b, o, L); break;
      case ADD_RELU: runBinary<ADD_RELU>(a, b, o, L); break;
      default: throw std::runtime_error("unknown binary op");
    }
  });
}

template <int OP>
inline float un(float x, float alpha) {
  if (OP == RELU) return x > 0.f ? x : 0.f;
  if (OP == STEP) return std::isnan(x) ? NAN : (x > 0.f ? 1.f : alpha);
  if (OP == NEG) return -x;
  if (OP == EXP) return std::exp(x);
  if (OP == LOG) return std::log(x);
  if (OP == SQRT) return std::sqrt(x);
  if (OP == RSQRT) return 1.f / std::sqrt(x);
  if (OP == SQUARE) return x * x;
  if (OP == ABS) return std::fabs(x);
  if (OP == SIGMOID) return 1.f / (1.f + std::exp(-x));
  if (OP == TANH) return std::tanh(x);
  if (OP == RELU6) return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
  return 1.f / x;  // RECIPROCAL
}

template <int OP>
void runUnary(const float *x, float *o, int64_t n, float alpha) {
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
  for (int64_t i = 0; i < n; i++) o[i] = un<OP>(x[i], alpha);
}

Napi::Value Unary(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    int op = static_cast<int>(I64(info[0]));
    const float *x = F32(info[1]);
    float *o = F32(info[2]);
    int64_t n = static_cast<int64_t>(Len(info[1]));
    float alpha = static_cast<float>(Dbl(info[3]));
    switch (op) {
      case RELU: runUnary<RELU>(x, o, n, alpha); break;
      case STEP: runUnary<STEP>(x, o, n, alpha); break;
      case NEG: runUnary<NEG>(x, o, n, alpha); break;
      case EXP: runUnary<EXP>(x, o, n, alpha); break;
      case LOG: runUnary<LOG>(x, o, n, alpha); break;
      case SQRT: runUnary<SQRT>(x, o, n, alpha); break;
      case RSQRT: runUnary<RSQRT>(x, o, n, alpha); break;
      case SQUARE: runUnary<SQUARE>(x, o, n, alpha); break;
      case ABS: runUnary<ABS>(x, o, n, alpha); break;
      case SIGMOID: runUnary<SIGMOID>(x, o, n, alpha); break;
      case TANH: runUnary<TANH>(x, o, n, alpha); break;
      case RELU6: runUnary<RELU6>(x, o, n, alpha); break;
      case RECIPROCAL: runUnary<RECIPROCAL>(x, o, n, alpha); break;
      default: throw std::runtime_error("unknown unary op");
    }
  });
}

Napi::Value ReluGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const float *dy = F32(info[0]), *x = F32(info[1]);
    float *o = F32(info[2]);
    int64_t n = static_cast<int64_t>(Len(info[0]));
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t i = 0; i < n; i++) o[i] = x[i] > 0.f ? dy[i] : 0.f;
  });
}

Napi::Value AddN(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    auto list = info[0].As<Napi::Array>();
    std::vector<const float *> xs(list.Length());
    for (uint32_t i = 0; i < list.Length(); i++) xs[i] = F32(list.Get(i));
    float *o = F32(info[1]);
    int64_t n = static_cast<int64_t>(Len(info[1]));
    const int m = static_cast<int>(xs.size());
#pragma omp parallel for if (n >= kParallelMin) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      float s = xs[0][i];
      for (int j = 1; j < m; j++) s += xs[j][i];
      o[i] = s;
    }
  });
}

}  // namespace

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
  exports.Set("addN", Napi::Function::New(env, AddN));
}

}  // namespace rn
