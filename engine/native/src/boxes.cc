// Host-side box loops of the detector (anchor matching, proposal selection, NMS) in native code. Each computes
// exactly what its JavaScript original computes (engine/kernels/box_iou_kernels.ts, detection/modeling/matcher.ts,
// detection/ops/host_boxes.ts, detection/ops/nms_greedy.ts): the same float64 operations with a rounding to float32
// (JS's Math.fround) at the same places, the same comparisons, the same tie order — so a run gives the same
// result on either path. They run on the calling thread only: the OpenMP workers flush subnormals to zero (see
// addon.cc), which would change a comparison of subnormal values; the calling thread keeps its floating-point
// mode here (no Guard), and nothing is contracted into a fused multiply-add.
//   boxIou(a, N, b, M, out, from)        out[i, j] = IoU(a[i], b[j]) for j >= from; a, b xyxy float32
//   matchQuality(q, M, N, low, high, allowLow, out) -> first NaN's index or -1; out [N] int32 as Matcher
//   topK(values, k, out)                 indices of the k largest (NaN as -inf), by value desc, ties by index
//   nmsGreedy(b, order, from, to, thr, maxKeep, out) -> kept count; out holds the kept indices (of b)
#pragma GCC optimize("fp-contract=off")
#include "common.h"
#include <algorithm>
#include <cmath>
#include <limits>

namespace rn {
namespace {

inline int32_t *I32(const Napi::Value &v) { return v.As<Napi::Int32Array>().Data(); }
inline size_t I32Len(const Napi::Value &v) { return v.As<Napi::Int32Array>().ElementLength(); }
inline float fr(double x) { return static_cast<float>(x); }

/** Runs f and turns a C++ exception into a JS error, leaving the floating-point mode as it is. */
template <typename F>
Napi::Value Host(const Napi::CallbackInfo &info, F f) {
  try {
    return f();
  } catch (const std::exception &e) {
    return Fail(info.Env(), e);
  }
}

void Need(bool ok, const char *what) {
  if (!ok) throw std::length_error(what);
}

/** The float32 area of an xyxy box: fround(fround(x2 - x1) * fround(y2 - y1)). */
inline float Area(const float *b) {
  return fr(static_cast<double>(fr(static_cast<double>(b[2]) - b[0])) * fr(static_cast<double>(b[3]) - b[1]));
}

/** IoU of a (area aa) and b (area ab) as the JS loops compute it; `noOverlap` says whether w or h is not > 0. */
inline double Iou(const float *a, float aa, const float *b, float ab, bool *noOverlap) {
  const double w = static_cast<double>(a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]);
  const double h = static_cast<double>(a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]);
  if (w > 0 && h > 0) {
    *noOverlap = false;
    const float inter = fr(static_cast<double>(fr(w)) * fr(h));
    return static_cast<double>(inter) / fr(static_cast<double>(fr(static_cast<double>(aa) + ab)) - inter);
  }
  *noOverlap = true;
  return 0.0;
}

Napi::Value BoxIou(const Napi::CallbackInfo &info) {
  return Host(info, [&] {
    const float *a = F32(info[0]), *b = F32(info[2]);
    const int64_t N = I64(info[1]), M = I64(info[3]), from = I64(info[5]);
    float *out = F32(info[4]);
    Need(static_cast<int64_t>(Len(info[0])) >= 4 * N && static_cast<int64_t>(Len(info[2])) >= 4 * M &&
             static_cast<int64_t>(Len(info[4])) >= N * M && from >= 0,
         "boxIou: arrays smaller than the boxes");
    std::vector<float> areaB(M);
    for (int64_t j = 0; j < M; j++) areaB[j] = Area(b + 4 * j);
    for (int64_t jb = from; jb < M; jb += 1024) {  // blocks of b that stay in cache across the rows of a
      const int64_t je = std::min(M, jb + 1024);
      for (int64_t i = 0; i < N; i++) {
        const float *ai = a + 4 * i;
        const float aa = Area(ai);
        float *o = out + i * M;
        for (int64_t j = jb; j < je; j++) {
          bool none;
          const double v = Iou(ai, aa, b + 4 * j, areaB[j], &none);
          if (!none) {
            o[j] = fr(v);
          } else {
            // no overlap: 0 / (area1 + area2), 0 unless the areas are degenerate (-0, NaN)
            const double u = static_cast<double>(aa) + areaB[j];
            o[j] = u > 0 ? 0.f : fr(0.0 / fr(u));
          }
        }
      }
    }
    return info.Env().Undefined();
  });
}

Napi::Value MatchQuality(const Napi::CallbackInfo &info) {
  return Host(info, [&]() -> Napi::Value {
    const float *q = F32(info[0]);
    const int64_t M = I64(info[1]), N = I64(info[2]);
    const double low = Dbl(info[3]), high = Dbl(info[4]);
    const bool allowLow = Bool(info[5]);
    int32_t *out = I32(info[6]);
    Need(static_cast<int64_t>(Len(info[0])) == M * N && static_cast<int64_t>(I32Len(info[6])) >= N && M > 0,
         "matchQuality: arrays do not hold [M, N]");
    for (int64_t i = 0; i < M * N; i++)
      if (std::isnan(q[i])) return Napi::Number::New(info.Env(), static_cast<double>(i));
    std::vector<int32_t> best(N, 0);
    for (int64_t p = 0; p < N; p++) {
      double v = -std::numeric_limits<double>::infinity();
      int32_t g0 = 0;
      for (int64_t g = 0; g < M; g++) {
        if (q[g * N + p] > v || g == 0) {
          v = q[g * N + p];
          g0 = static_cast<int32_t>(g);
        }
      }
      best[p] = g0;
      out[p] = v < low ? -1 : v < high ? -2 : g0;
    }
    if (allowLow) {
      for (int64_t g = 0; g < M; g++) {
        const float *row = q + g * N;
        double top = -std::numeric_limits<double>::infinity();
        for (int64_t p = 0; p < N; p++) top = std::max(top, static_cast<double>(row[p]));
        for (int64_t p = 0; p < N; p++)
          if (row[p] == top) out[p] = best[p];
      }
    }
    return Napi::Number::New(info.Env(), -1);
  });
}

Napi::Value TopK(const Napi::CallbackInfo &info) {
  return Host(info, [&] {
    const float *v = F32(info[0]);
    const int64_t n = static_cast<int64_t>(Len(info[0]));
    const int64_t k = std::max<int64_t>(0, std::min<int64_t>(I64(info[1]), n));
    int32_t *out = I32(info[2]);
    Need(static_cast<int64_t>(I32Len(info[2])) >= k, "topK: output smaller than k");
    std::vector<double> key(n);
    for (int64_t i = 0; i < n; i++) key[i] = std::isnan(v[i]) ? -std::numeric_limits<double>::infinity() : v[i];
    std::vector<int32_t> idx(n);
    for (int64_t i = 0; i < n; i++) idx[i] = static_cast<int32_t>(i);
    // a strict total order: value descending, then index ascending (the JS comparator's)
    const auto before = [&](int32_t x, int32_t y) { return key[x] > key[y] || (key[x] == key[y] && x < y); };
    if (k < n) std::nth_element(idx.begin(), idx.begin() + k, idx.end(), before);
    std::sort(idx.begin(), idx.begin() + k, before);
    std::copy(idx.begin(), idx.begin() + k, out);
    return info.Env().Undefined();
  });
}

/** Whether the kept box a drops box b: IoU(a, b) > thr, with the JS loop's arithmetic. */
inline bool Drops(const float *a, float aa, const float *b, float ab, double thr) {
  bool none;
  const double iou = Iou(a, aa, b, ab, &none);
  if (!none) return fr(iou) > thr;
  if (thr >= 0) return false;  // IoU 0 (or 0/0) is never > a threshold >= 0
  return fr(0.0 / fr(static_cast<double>(aa) + ab)) > thr;
}

/** Greedy NMS comparing each kept box with every box still in play (any threshold). */
int64_t Plain(const std::vector<float> &box, const std::vector<float> &area, int64_t n, double thr, int64_t maxKeep,
              const int32_t *order, int32_t *out) {
  std::vector<int32_t> live(n);
  for (int64_t k = 0; k < n; k++) live[k] = static_cast<int32_t>(k);
  int64_t kept = 0;
  size_t head = 0;
  while (head < live.size()) {
    const int32_t k = live[head++];
    out[kept++] = order[k];
    if (kept >= maxKeep) break;
    size_t w = head;
    for (size_t r = head; r < live.size(); r++) {
      const int32_t j = live[r];
      if (!Drops(&box[4 * k], area[k], &box[4 * j], area[j], thr)) live[w++] = j;
    }
    live.resize(w);
  }
  return kept;
}

/**
 * Greedy NMS for a threshold t > 0, looking only at boxes whose x1 (and y1) lies in the window where IoU > t is
 * possible — the JS loop's window (detection/ops/nms_greedy.ts): x1 within (x1k - ((1-t)/t + 1e-3) wk,
 * x1k + (1 - t + 1e-3) wk), y1 likewise. Boxes are indexed by x1; kept and dropped boxes leave the index. A box
 * with a NaN x1 is never dropped (its overlap is NaN) and is left out of the index.
 */
int64_t Windowed(const std::vector<float> &box, const std::vector<float> &area, int64_t n, double thr, int64_t maxKeep,
                 const int32_t *order, int32_t *out) {
  std::vector<int32_t> byX;
  byX.reserve(n);
  for (int64_t k = 0; k < n; k++)
    if (!std::isnan(box[4 * k])) byX.push_back(static_cast<int32_t>(k));
  std::stable_sort(byX.begin(), byX.end(), [&](int32_t a, int32_t b) { return box[4 * a] < box[4 * b]; });
  const int64_t m = static_cast<int64_t>(byX.size());
  std::vector<float> xs(m);
  std::vector<int32_t> posOf(n, -1), next(m + 1);
  for (int64_t p = 0; p < m; p++) {
    xs[p] = box[4 * byX[p]];
    posOf[byX[p]] = static_cast<int32_t>(p);
    next[p] = static_cast<int32_t>(p);
  }
  next[m] = static_cast<int32_t>(m);
  // the next position still in the index at or after p (union-find with path halving)
  const auto find = [&](int32_t p) {
    while (next[p] != p) p = next[p] = next[next[p]];
    return p;
  };
  std::vector<uint8_t> dead(n, 0);
  const double before = (1 - thr) / thr + 1e-3, after = 1 - thr + 1e-3;
  int64_t kept = 0;
  for (int64_t k = 0; k < n; k++) {
    if (dead[k]) continue;
    out[kept++] = order[k];
    if (kept >= maxKeep) break;
    if (posOf[k] >= 0) next[posOf[k]] = posOf[k] + 1;
    const float *a = &box[4 * k];
    const double wk = static_cast<double>(a[2]) - a[0], hk = static_cast<double>(a[3]) - a[1];
    if (!(wk > 0 && hk > 0)) continue;  // an empty box overlaps nothing
    const double xLo = a[0] - before * wk, xHi = a[0] + after * wk;
    const double yLo = a[1] - before * hk, yHi = a[1] + after * hk;
    const int32_t lo = static_cast<int32_t>(std::lower_bound(xs.begin(), xs.end(), xLo, [](float v, double x) { return v < x; }) - xs.begin());
    const int32_t hi = static_cast<int32_t>(std::upper_bound(xs.begin(), xs.end(), xHi, [](double x, float v) { return x < v; }) - xs.begin());
    for (int32_t p = find(lo); p < hi; p = find(p + 1)) {
      const int32_t j = byX[p];
      if (!(box[4 * j + 1] >= yLo && box[4 * j + 1] <= yHi)) continue;
      if (Drops(a, area[k], &box[4 * j], area[j], thr)) {
        dead[j] = 1;
        next[p] = p + 1;
      }
    }
  }
  return kept;
}

Napi::Value NmsGreedy(const Napi::CallbackInfo &info) {
  return Host(info, [&]() -> Napi::Value {
    const float *b = F32(info[0]);
    const int32_t *order = I32(info[1]);
    const int64_t from = I64(info[2]), to = I64(info[3]);
    const double thr = Dbl(info[4]);
    const double maxKeepD = Dbl(info[5]);
    int32_t *out = I32(info[6]);
    const int64_t n = to - from, nb = static_cast<int64_t>(Len(info[0])) / 4;
    Need(from >= 0 && n >= 0 && static_cast<int64_t>(I32Len(info[1])) >= to && static_cast<int64_t>(I32Len(info[6])) >= n,
         "nmsGreedy: order or output smaller than the range");
    // the JS loop stops once it has kept >= maxKeep: a fraction keeps ceil(maxKeep), NaN never stops it
    if (maxKeepD <= 0) return Napi::Number::New(info.Env(), 0);
    const int64_t maxKeep = std::isnan(maxKeepD) || maxKeepD >= static_cast<double>(n) ? n : static_cast<int64_t>(std::ceil(maxKeepD));
    std::vector<float> box(4 * n), area(n);
    for (int64_t k = 0; k < n; k++) {
      const int64_t i = order[from + k];
      Need(i >= 0 && i < nb, "nmsGreedy: an index in order is out of range");
      std::copy(b + 4 * i, b + 4 * i + 4, box.data() + 4 * k);
      area[k] = Area(box.data() + 4 * k);
    }
    const int64_t kept = thr > 0 ? Windowed(box, area, n, thr, maxKeep, order + from, out)
                                 : Plain(box, area, n, thr, maxKeep, order + from, out);
    return Napi::Number::New(info.Env(), static_cast<double>(kept));
  });
}

}  // namespace

void InitBoxes(Napi::Env env, Napi::Object exports) {
  exports.Set("boxIou", Napi::Function::New(env, BoxIou));
  exports.Set("matchQuality", Napi::Function::New(env, MatchQuality));
  exports.Set("topK", Napi::Function::New(env, TopK));
  exports.Set("nmsGreedy", Napi::Function::New(env, NmsGreedy));
}

}  // namespace rn
