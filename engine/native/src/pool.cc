// 2-D max and average pooling over NHWC float32, forward and backward, in OpenMP loops (batch-parallel),
// with tfjs-cpu's semantics: padding cells never count as maxima, the average divides by the in-bounds
// cells, max-pool gradients go to the first maximum of each window, and (as tfjs-cpu's AvgPoolGrad does)
// the average-pool gradient divides by the full window size.
//   pool(isMax, x, y, geom)            geom: Int32Array [N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL]
//   maxPoolGrad(dy, x, dx, geom)       avgPoolGrad(dy, dx, geom)
#include "common.h"
#include <algorithm>
#include <cstring>
#include <limits>

namespace rn {
namespace {

struct G {
  int64_t N, H, W, C, KH, KW, OH, OW, sH, sW, pT, pL;
  explicit G(const Napi::Value &v) {
    auto a = v.As<Napi::Int32Array>();
    int64_t *f[] = {&N, &H, &W, &C, &KH, &KW, &OH, &OW, &sH, &sW, &pT, &pL};
    for (size_t i = 0; i < 12; i++) *f[i] = a[i];
  }
};

Napi::Value Pool(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const bool isMax = Bool(info[0]);
    const float *x = F32(info[1]);
    float *y = F32(info[2]);
    G g(info[3]);
#pragma omp parallel for schedule(static) if (g.N * g.OH * g.OW * g.C >= kParallelMin)
    for (int64_t r = 0; r < g.N * g.OH; r++) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      std::vector<float> acc(g.C);
      for (int64_t ow = 0; ow < g.OW; ow++) {
        std::fill(acc.begin(), acc.end(), isMax ? -std::numeric_limits<float>::infinity() : 0.f);
        int64_t count = 0;
        for (int64_t kh = 0; kh < g.KH; kh++) {
          const int64_t ih = oh * g.sH + kh - g.pT;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; kw++) {
            const int64_t iw = ow * g.sW + kw - g.pL;
            if (iw < 0 || iw >= g.W) continue;
            const float *p = x + ((n * g.H + ih) * g.W + iw) * g.C;
            count++;
            if (isMax) for (int64_t c = 0; c < g.C; c++) acc[c] = p[c] > acc[c] ? p[c] : acc[c];
            else for (int64_t c = 0; c < g.C; c++) acc[c] += p[c];
          }
        }
        float *o = y + ((n * g.OH + oh) * g.OW + ow) * g.C;
        const float inv = count > 0 ? 1.f / static_cast<float>(count) : 0.f;
        for (int64_t c = 0; c < g.C; c++) o[c] = isMax ? acc[c] : acc[c] * inv;
      }
    }
  });
}

Napi::Value MaxPoolGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const float *dy = F32(info[0]), *x = F32(info[1]);
    float *dx = F32(info[2]);
    G g(info[3]);
    const int64_t img = g.H * g.W * g.C;
#pragma omp parallel for schedule(static) if (g.N > 1 && g.N * img >= kParallelMin)
    for (int64_t n = 0; n < g.N; n++) {
      std::memset(dx + n * img, 0, sizeof(float) * img);
      std::vector<float> best(g.C);
      std::vector<int64_t> at(g.C);
      for (int64_t oh = 0; oh < g.OH; oh++) {
        for (int64_t ow = 0; ow < g.OW; ow++) {
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(at.begin(), at.end(), -1);
          for (int64_t kh = 0; kh < g.KH; kh++) {
            const int64_t ih = oh * g.sH + kh - g.pT;
            if (ih < 0 || ih >= g.H) continue;
            for (int64_t kw = 0; kw < g.KW; kw++) {
              const int64_t iw = ow * g.sW + kw - g.pL;
              if (iw < 0 || iw >= g.W) continue;
              const int64_t base = (ih * g.W + iw) * g.C;
              const float *p = x + n * img + base;
              for (int64_t c = 0; c < g.C; c++)
                if (p[c] > best[c] || at[c] < 0) { best[c] = p[c]; at[c] = base + c; }
            }
          }
          const float *d = dy + ((n * g.OH + oh) * g.OW + ow) * g.C;
          for (int64_t c = 0; c < g.C; c++) if (at[c] >= 0) dx[n * img + at[c]] += d[c];
        }
      }
    }
  });
}

Napi::Value AvgPoolGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const float *dy = F32(info[0]);
    float *dx = F32(info[1]);
    G g(info[2]);
    const int64_t img = g.H * g.W * g.C;
    const float inv = 1.f / static_cast<float>(g.KH * g.KW);
#pragma omp parallel for schedule(static) if (g.N > 1 && g.N * img >= kParallelMin)
    for (int64_t n = 0; n < g.N; n++) {
      std::memset(dx + n * img, 0, sizeof(float) * img);
      for (int64_t oh = 0; oh < g.OH; oh++) {
        for (int64_t ow = 0; ow < g.OW; ow++) {
          const float *d = dy + ((n * g.OH + oh) * g.OW + ow) * g.C;
          for (int64_t kh = 0; kh < g.KH; kh++) {
            const int64_t ih = oh * g.sH + kh - g.pT;
            if (ih < 0 || ih >= g.H) continue;
            for (int64_t kw = 0; kw < g.KW; kw++) {
              const int64_t iw = ow * g.sW + kw - g.pL;
              if (iw < 0 || iw >= g.W) continue;
              float *p = dx + n * img + (ih * g.W + iw) * g.C;
              for (int64_t c = 0; c < g.C; c++) p[c] += d[c] * inv;
            }
          }
        }
      }
    }
  });
}

}  // namespace

void InitPool(Napi::Env env, Napi::Object exports) {
  exports.Set("pool", Napi::Function::New(env, Pool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
}

}  // namespace rn
