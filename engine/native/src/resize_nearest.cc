// ResizeNearestNeighbor and its gradient over NHWC float32:
//   resizeNearest(x, out, geom)      geom: Float64Array [B, H, W, C, newH, newW, alignCorners, halfPixelCenters]
//   resizeNearestGrad(dy, dx, geom)  geom: Float64Array [B, H, W, C, dyH, dyW, alignCorners, halfPixelCenters]
// Source positions are computed in double precision as tfjs-cpu's JavaScript does (Math.round: halves up), so
// the forward is tfjs-cpu's to the bit. The gradient sums into each input pixel the dy pixels whose forward
// source it is, in tfjs-cpu's order (dy rows, then columns, ascending) in double precision, rounded to float32
// once, subnormals kept (FTZ/DAZ off in its loops) as in JavaScript: tfjs-cpu's result wherever that is right.
// Two tfjs-cpu bugs are not reproduced: its gradient reads image b's dy at b times the *input's* image size
// (wrong for every image but the first when the sizes differ), and it ignores halfPixelCenters.
#include "common.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#pragma GCC optimize("fp-contract=off")

namespace rn {

extern const int64_t kCopyParallelMin;  // copy.cc

namespace {

/** JavaScript's Math.round for finite x: the nearest integer, halves towards +infinity. */
inline double jsRound(double x) {
  const double f = std::floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

std::vector<double> geomOf(const Napi::Value &v, size_t want, const char *what) {
  auto g = v.As<Napi::Float64Array>();
  if (g.ElementLength() != want) throw std::invalid_argument(std::string(what) + ": geom must have " + std::to_string(want) + " numbers");
  std::vector<double> out(g.Data(), g.Data() + want);
  for (size_t i = 0; i < 6; i++) {
    if (!(out[i] >= 0)) throw std::invalid_argument(std::string(what) + ": negative size in geom");
  }
  return out;
}

void checkLen(const Napi::Float32Array &a, int64_t want, const char *what) {
  if (static_cast<int64_t>(a.ElementLength()) != want) {
    throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(want) + " elements, got " + std::to_string(a.ElementLength()));
  }
}

/** Source index of each of `outSize` positions along an axis of `inSize` (tfjs-cpu's forward rule). */
std::vector<int64_t> sourceIndex(int64_t inSize, int64_t outSize, bool align, bool half) {
  const double effIn = align && outSize > 1 ? inSize - 1 : inSize;
  const double effOut = align && outSize > 1 ? outSize - 1 : outSize;
  const double ratio = effIn / effOut;
  std::vector<int64_t> src(outSize);
  for (int64_t r = 0; r < outSize; r++) {
    const double frac = half ? ratio * (r + 0.5) : ratio * r;
    double v = std::min(static_cast<double>(inSize - 1), align ? jsRound(frac) : std::floor(frac));
    if (half) v = std::max(0.0, v);
    src[r] = static_cast<int64_t>(v);
  }
  return src;
}

Napi::Value ResizeNearest(const Napi::CallbackInfo &info) {
  auto x = info[0].As<Napi::Float32Array>(), out = info[1].As<Napi::Float32Array>();
  return Guard(info, [&] {
    const auto g = geomOf(info[2], 8, "resizeNearest");
    const int64_t B = g[0], H = g[1], W = g[2], C = g[3], oh = g[4], ow = g[5];
    checkLen(x, B * H * W * C, "resizeNearest: x");
    checkLen(out, B * oh * ow * C, "resizeNearest: out");
    if (B * oh * ow * C == 0) return;
    if (H == 0 || W == 0) throw std::invalid_argument("resizeNearest: empty image with a non-empty output");
    const auto rows = sourceIndex(H, oh, g[6] != 0, g[7] != 0), cols = sourceIndex(W, ow, g[6] != 0, g[7] != 0);
    const float *xs = x.Data();
    float *os = out.Data();
    const bool par = B * oh * ow * C >= kCopyParallelMin;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t t = 0; t < B * oh; t++) {
      const int64_t b = t / oh, r = t % oh;
      const float *srcRow = xs + (b * H + rows[r]) * W * C;
      float *dst = os + t * ow * C;
      for (int64_t c = 0; c < ow; c++) std::memcpy(dst + c * C, srcRow + cols[c] * C, C * sizeof(float));
    }
  });
}

/**
 * For each of `xSize` input positions along an axis, the dy positions (ascending) whose forward source is
 * that position: the exact adjoint of the forward's mapping.
 */
std::vector<std::vector<int64_t>> contributors(int64_t xSize, int64_t ySize, bool align, bool half) {
  std::vector<std::vector<int64_t>> out(xSize);
  const auto src = sourceIndex(xSize, ySize, align, half);
  for (int64_t y = 0; y < ySize; y++) out[src[y]].push_back(y);
  return out;
}

Napi::Value ResizeNearestGrad(const Napi::CallbackInfo &info) {
  auto dy = info[0].As<Napi::Float32Array>(), dx = info[1].As<Napi::Float32Array>();
  return Guard(info, [&] {
    const auto g = geomOf(info[2], 8, "resizeNearestGrad");
    const int64_t B = g[0], H = g[1], W = g[2], C = g[3], yh = g[4], yw = g[5];
    checkLen(dy, B * yh * yw * C, "resizeNearestGrad: dy");
    checkLen(dx, B * H * W * C, "resizeNearestGrad: dx");
    if (B * H * W * C == 0) return;
    const auto rows = contributors(H, yh, g[6] != 0, g[7] != 0), cols = contributors(W, yw, g[6] != 0, g[7] != 0);
    const float *ds = dy.Data();
    float *os = dx.Data();
    const bool par = B * H * W * C >= kParallelMin;
#pragma omp parallel if (par)
    {
      const unsigned csr = _mm_getcsr();
      _mm_setcsr(csr & ~0x8040u);  // keep subnormals, as JavaScript does
      std::vector<double> acc(C);
#pragma omp for schedule(static)
      for (int64_t t = 0; t < B * H; t++) {
        const int64_t b = t / H, r = t % H;
        for (int64_t c = 0; c < W; c++) {
          std::fill(acc.begin(), acc.end(), 0.0);
          for (int64_t yr : rows[r]) {
            const float *dyRow = ds + (b * yh + yr) * yw * C;
            for (int64_t yc : cols[c]) {
              const float *v = dyRow + yc * C;
              for (int64_t d = 0; d < C; d++) acc[d] += v[d];
            }
          }
          float *o = os + (t * W + c) * C;
          for (int64_t d = 0; d < C; d++) o[d] = static_cast<float>(acc[d]);
        }
      }
      _mm_setcsr(csr);
    }
  });
}

}  // namespace

void InitResizeNearest(Napi::Env env, Napi::Object exports) {
  exports.Set("resizeNearest", Napi::Function::New(env, ResizeNearest));
  exports.Set("resizeNearestGrad", Napi::Function::New(env, ResizeNearestGrad));
}

}  // namespace rn
