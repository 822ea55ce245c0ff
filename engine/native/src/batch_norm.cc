// Batch norm in training, channels last, matching resdet's ResdetBatchNormTrain(Grad), in OpenMP loops:
//   batchNormTrain(x, scale, offset, y, mean, variance, shape, eps, relu)   batch statistics, biased variance;
//       relu: y = max(0, batch norm)
//   batchNormTrainGrad(dy, x, scale, mean, variance, dx, dscale, doffset, shape, eps, y|null)
//       y given (the output of a relu forward): dy counts only where y > 0
// shape: Int32Array [N, H, W, C] or [rows, C]; both are rows x C here. Each thread sums its band of rows per
// channel (of x minus its first row, in float over blocks of 64 rows, in double across blocks), the bands are
// combined, then every element is written in a second pass.
// Not oneDNN's batch normalization: its threads meet at spinning barriers inside the primitive, and on a busy
// machine a thread spinning for a descheduled peer holds the core that peer needs (measured on 2 cores under
// load ~10: ResNet-20 training steps 2-3x longer than with these loops, whose barriers are OpenMP's, which
// sleep under OMP_WAIT_POLICY=PASSIVE).
#include "common.h"
#include <omp.h>
#include <algorithm>
#include <cmath>

namespace rn {
namespace {

struct Rows {
  int64_t R, C;
  explicit Rows(const Napi::Value &v) {
    auto a = v.As<Napi::Int32Array>();
    const size_t n = a.ElementLength();
    C = a[n - 1];
    R = 1;
    for (size_t i = 0; i + 1 < n; i++) R *= a[i];
  }
};

/** Rows summed in float before the sums go into double accumulators. */
constexpr int64_t kBlock = 64;

/** Thread t's band of R rows out of nt. */
inline void band(int64_t R, int t, int nt, int64_t &r0, int64_t &r1) {
  r0 = R * t / nt;
  r1 = R * (t + 1) / nt;
}

/** Sums a[t*2C .. t*2C+2C) over the nt threads into out[0..2C). */
inline void combine(const std::vector<double> &part, int nt, int64_t C, std::vector<double> &out) {
  out.assign(2 * C, 0.0);
  for (int t = 0; t < nt; t++)
    for (int64_t c = 0; c < 2 * C; c++) out[c] += part[t * 2 * C + c];
}

void Forward(const float *x, const float *g, const float *b, float *y, float *mean, float *var, int64_t R, int64_t C,
             float eps, bool relu) {
  const bool par = R * C >= kParallelMin;
  const int maxT = par ? omp_get_max_threads() : 1;
  std::vector<double> part(static_cast<size_t>(maxT) * 2 * C, 0.0), tot;
  std::vector<float> scale(C), shift(C);
#pragma omp parallel if (par)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t r0, r1;
    band(R, t, nt, r0, r1);
    double *s = &part[t * 2 * C], *q = s + C;
    std::vector<float> fs(C), fq(C);  // float sums over blocks of kBlock rows, added up in double
    for (int64_t rb = r0; rb < r1; rb += kBlock) {
      std::fill(fs.begin(), fs.end(), 0.f);
      std::fill(fq.begin(), fq.end(), 0.f);
      for (int64_t r = rb; r < std::min(rb + kBlock, r1); r++) {
        const float *xr = x + r * C;
        for (int64_t c = 0; c < C; c++) {
          const float d = xr[c] - x[c];  // shifted by the first row: no cancellation when |mean| >> std
          fs[c] += d;
          fq[c] += d * d;
        }
      }
      for (int64_t c = 0; c < C; c++) {
        s[c] += fs[c];
        q[c] += fq[c];
      }
    }
#pragma omp barrier
#pragma omp single
    {
      combine(part, nt, C, tot);
      for (int64_t c = 0; c < C; c++) {
        const double d = tot[c] / R, v = std::max(tot[C + c] / R - d * d, 0.0);
        mean[c] = static_cast<float>(x[c] + d);
        var[c] = static_cast<float>(v);
        const float a = g[c] / std::sqrt(var[c] + eps);
        scale[c] = a;
        shift[c] = b[c] - mean[c] * a;
      }
    }
    for (int64_t r = r0; r < r1; r++) {
      const float *xr = x + r * C;
      float *yr = y + r * C;
      if (relu)
        for (int64_t c = 0; c < C; c++) yr[c] = std::max(xr[c] * scale[c] + shift[c], 0.f);
      else
        for (int64_t c = 0; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
    }
  }
}

/** dy where the relu output y is positive, else 0 (y null: dy). */
inline float Masked(const float *dyr, const float *yr, int64_t c) { return !yr || yr[c] > 0.f ? dyr[c] : 0.f; }

void Backward(const float *dy, const float *x, const float *g, const float *mean, const float *var, float *dx,
              float *dg, float *db, int64_t R, int64_t C, float eps, const float *y) {
  const bool par = R * C >= kParallelMin;
  const int maxT = par ? omp_get_max_threads() : 1;
  std::vector<double> part(static_cast<size_t>(maxT) * 2 * C, 0.0), tot;
  std::vector<float> rstd(C), k0(C), k1(C), k2(C);
  for (int64_t c = 0; c < C; c++) rstd[c] = 1.f / std::sqrt(var[c] + eps);
#pragma omp parallel if (par)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t r0, r1;
    band(R, t, nt, r0, r1);
    double *sdy = &part[t * 2 * C], *sdyx = sdy + C;  // sum dy, sum dy * (x - mean)
    std::vector<float> fa(C), fb(C);
    for (int64_t rb = r0; rb < r1; rb += kBlock) {
      std::fill(fa.begin(), fa.end(), 0.f);
      std::fill(fb.begin(), fb.end(), 0.f);
      for (int64_t r = rb; r < std::min(rb + kBlock, r1); r++) {
        const float *dyr = dy + r * C, *xr = x + r * C, *yr = y ? y + r * C : nullptr;
        for (int64_t c = 0; c < C; c++) {
          const float d = Masked(dyr, yr, c);
          fa[c] += d;
          fb[c] += d * (xr[c] - mean[c]);
        }
      }
      for (int64_t c = 0; c < C; c++) {
        sdy[c] += fa[c];
        sdyx[c] += fb[c];
      }
    }
#pragma omp barrier
#pragma omp single
    {
      combine(part, nt, C, tot);
      for (int64_t c = 0; c < C; c++) {
        const float dbeta = static_cast<float>(tot[c]), dgamma = static_cast<float>(tot[C + c] * rstd[c]);
        db[c] = dbeta;
        dg[c] = dgamma;
        // dx = g * rstd * (dy - dbeta / R - xhat * dgamma / R), xhat = (x - mean) * rstd
        k0[c] = dbeta / static_cast<float>(R);
        k1[c] = g[c] * rstd[c];
        k2[c] = dgamma * rstd[c] / static_cast<float>(R);
      }
    }
    for (int64_t r = r0; r < r1; r++) {
      const float *dyr = dy + r * C, *xr = x + r * C, *yr = y ? y + r * C : nullptr;
      float *dxr = dx + r * C;
      for (int64_t c = 0; c < C; c++) dxr[c] = k1[c] * (Masked(dyr, yr, c) - k0[c] - (xr[c] - mean[c]) * k2[c]);
    }
  }
}

Napi::Value Train(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Rows s(info[6]);
    const bool relu = info.Length() > 8 && info[8].ToBoolean();
    Forward(F32(info[0]), F32(info[1]), F32(info[2]), F32(info[3]), F32(info[4]), F32(info[5]), s.R, s.C,
            static_cast<float>(Dbl(info[7])), relu);
  });
}

Napi::Value TrainGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Rows s(info[8]);
    const float *y = info.Length() > 10 && !info[10].IsNull() && !info[10].IsUndefined() ? F32(info[10]) : nullptr;
    Backward(F32(info[0]), F32(info[1]), F32(info[2]), F32(info[3]), F32(info[4]), F32(info[5]), F32(info[6]),
             F32(info[7]), s.R, s.C, static_cast<float>(Dbl(info[9])), y);
  });
}

}  // namespace

void InitBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Napi::Function::New(env, Train));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, TrainGrad));
}

}  // namespace rn
