// RoIAlign and RoIPool over NHWC float32 features, forward and backward, in OpenMP loops, with the
// arithmetic of resdet's JavaScript kernels (engine/kernels/roi_align_kernels.ts, roi_pool_kernels.ts, which
// follow torchvision's CPU kernels): roi coordinates, bin sizes and sample positions in float32, rounded
// after every operation (no fused multiply-add here, so the out-of-range and clamping tests fall alike).
//   roiAlign(features, rois, out, geom, spatialScale)        geom: Int32Array [N,H,W,C,K,oh,ow,samplingRatio,aligned]
//   roiAlignGrad(dy, rois, dx, geom, spatialScale)
//   roiPool(features, rois, out, geom, spatialScale)         geom: Int32Array [N,H,W,C,K,oh,ow]
//   roiPoolGrad(dy, features, rois, dx, geom, spatialScale)  (recomputes each bin's argmax from the features)
// rois rows are (batchIndex, x1, y1, x2, y2). Forwards run in parallel over bins (each writes its own output
// row); backwards over bands of feature rows (each thread writes only the gradient rows of its band: no races,
// and the same sums in the same order as one thread). Bands and bins are handed out dynamically.
#include "common.h"
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#pragma GCC optimize("fp-contract=off")

namespace rn {
namespace {

struct Geom {
  int64_t N, H, W, C, K, oh, ow;
  int64_t samplingRatio = 0;
  bool aligned = false;
  Geom(const Napi::Value &v, bool align) {
    auto a = v.As<Napi::Int32Array>();
    const size_t need = align ? 9 : 7;
    if (a.ElementLength() < need) throw std::invalid_argument("roi geom: expected " + std::to_string(need) + " integers");
    N = a[0], H = a[1], W = a[2], C = a[3], K = a[4], oh = a[5], ow = a[6];
    if (align) samplingRatio = a[7], aligned = a[8] != 0;
    if (N < 0 || H < 0 || W < 0 || C < 0 || K < 0 || oh <= 0 || ow <= 0) throw std::invalid_argument("roi geom: bad shape");
  }
  int64_t featureSize() const { return N * H * W * C; }
  int64_t outSize() const { return K * oh * ow * C; }
};

void checkLen(const Napi::Value &v, int64_t want, const char *what) {
  if (static_cast<int64_t>(Len(v)) != want) {
    throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(want) + " elements, got " +
                                std::to_string(Len(v)));
  }
}

/** Every roi's batch index is an integer in [0, N) (checked before the parallel loops, which must not throw). */
void checkRois(const float *rois, const Geom &g) {
  for (int64_t k = 0; k < g.K; k++) {
    const float b = rois[5 * k];
    if (!(b >= 0 && b < static_cast<float>(g.N)) || b != std::floor(b)) {
      char v[32];
      std::snprintf(v, sizeof v, "%g", static_cast<double>(b));
      throw std::invalid_argument("roi " + std::to_string(k) + " has batch index " + v +
                                  ", but features have batch size " + std::to_string(g.N));
    }
  }
}

/** Flat NHW index of roi k's image row 0 (batch index checked by checkRois). */
int64_t roiBase(const float *rois, int64_t k, const Geom &g) { return static_cast<int64_t>(rois[5 * k]) * g.H * g.W; }

/** One feature pixel (flat NHW index) and its weight in a bin. */
struct Entry {
  int64_t pos;
  float w;
};

/**
 * Bands of feature rows (flat over the images: row n*H + y) that a backward pass hands out to its threads
 * dynamically, so that a thread descheduled on a busy machine does not hold the others up. A thread writes
 * only the gradient rows of its band, so no two threads touch the same pixel, and every pixel sums its bins
 * in roi order whatever the thread count: the result is the serial one. A bin whose pixels span two bands
 * is visited by both (its dy row read twice).
 */
struct Bands {
  int64_t count, rows;
  Bands(int64_t rows_, bool par) : rows(rows_) {
    count = par ? std::max<int64_t>(1, std::min<int64_t>(rows, 4 * omp_get_max_threads())) : 1;
  }
  int64_t begin(int64_t b) const { return rows * b / count; }
  int64_t end(int64_t b) const { return rows * (b + 1) / count; }
};

void zero(float *p, int64_t n) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i += 1 << 16) std::memset(p + i, 0, sizeof(float) * std::min<int64_t>(1 << 16, n - i));
}

// ---------------------------------------------------------------------------------------------- RoIAlign

/** Pixels (rows or columns) a bin's samples along one axis touch, with their summed bilinear weights. */
struct Axis {
  std::vector<int64_t> idx;  // pixel index along the axis, per entry
  std::vector<double> w;     // summed weight, per entry
  std::vector<int64_t> at;   // entries of bin p: [at[p], at[p+1])
};

/**
 * One axis of torchvision's bilinear sampling, separated: a sample at (y, x) is taken only when both
 * coordinates are in range and weighs wy·wx, so a bin's pixel (r, c) weighs Σ wy(r) · Σ wx(c) (the JavaScript
 * kernel sums the float32 products wy·wx instead: the weights differ in the last bits, the pixels do not).
 * `start` is the roi's first coordinate, `bin` the bin size, `grid` the samples per bin, `size` H or W.
 */
void sampleAxis(float start, float bin, int64_t grid, int64_t bins, int64_t size, Axis &a) {
  a.idx.clear();
  a.w.clear();
  a.at.assign(bins + 1, 0);
  for (int64_t p = 0; p < bins; p++) {
    a.at[p] = static_cast<int64_t>(a.idx.size());
    const float b0 = start + static_cast<float>(p) * bin;
    for (int64_t i = 0; i < grid; i++) {
      float y = b0 + (static_cast<float>(i) + 0.5f) * bin / static_cast<float>(grid);
      if (!(y >= -1.f && y <= static_cast<float>(size))) continue;  // torchvision's range test (NaN: no sample)
      if (y <= 0.f) y = 0.f;
      int64_t lo = static_cast<int64_t>(std::floor(y)), hi;
      if (lo >= size - 1) {
        hi = lo = size - 1;
        y = static_cast<float>(lo);
      } else {
        hi = lo + 1;
      }
      const float l = y - static_cast<float>(lo);
      const float h = 1.f - l;
      const int64_t pix[2] = {lo, hi};
      const float wt[2] = {h, l};
      for (int j = 0; j < 2; j++) {
        if (wt[j] == 0.f) continue;
        int64_t e = a.at[p];
        while (e < static_cast<int64_t>(a.idx.size()) && a.idx[e] != pix[j]) e++;
        if (e == static_cast<int64_t>(a.idx.size())) {
          a.idx.push_back(pix[j]);
          a.w.push_back(0.0);
        }
        a.w[e] += wt[j];
      }
    }
  }
  a.at[bins] = static_cast<int64_t>(a.idx.size());
}

/** ceil(bin size) samples per bin (sampling ratio 0); 0 for a non-finite size. */
int64_t adaptiveGrid(float bin) {
  return std::isfinite(bin) ? static_cast<int64_t>(std::ceil(static_cast<double>(bin))) : 0;
}

/** Roi k's sampling along both axes, and the 1/(samples per bin) every weight carries. */
struct AlignRoi {
  Axis ys, xs;
  int64_t base = 0, row0 = 0;  // flat index of the roi's image's first pixel, and of its first row
  double inv = 1;

  void set(const float *rois, int64_t k, const Geom &g, float scale) {
    const float *r = rois + 5 * k;
    base = roiBase(rois, k, g);
    row0 = base / std::max<int64_t>(g.W, 1);
    const float off = g.aligned ? 0.5f : 0.f;
    const float x1 = r[1] * scale - off, y1 = r[2] * scale - off;
    float rw = (r[3] * scale - off) - x1, rh = (r[4] * scale - off) - y1;
    if (!g.aligned) {
      rw = std::max(rw, 1.f);
      rh = std::max(rh, 1.f);
    }
    const float bh = rh / static_cast<float>(g.oh), bw = rw / static_cast<float>(g.ow);
    const int64_t gh = g.samplingRatio > 0 ? g.samplingRatio : adaptiveGrid(rh / static_cast<float>(g.oh));
    const int64_t gw = g.samplingRatio > 0 ? g.samplingRatio : adaptiveGrid(rw / static_cast<float>(g.ow));
    inv = 1.0 / static_cast<double>(std::max<int64_t>(gh * gw, 1));
    sampleAxis(y1, bh, std::max<int64_t>(gh, 0), g.oh, g.H, ys);
    sampleAxis(x1, bw, std::max<int64_t>(gw, 0), g.ow, g.W, xs);
  }

  /** Whether bin row ph samples any feature row in flat rows [lo, hi). */
  bool rowsIn(int64_t ph, int64_t lo, int64_t hi) const {
    for (int64_t i = ys.at[ph]; i < ys.at[ph + 1]; i++) {
      if (row0 + ys.idx[i] >= lo && row0 + ys.idx[i] < hi) return true;
    }
    return false;
  }

  /** Bin (ph, pw)'s pixels with non-zero weight in flat rows [lo, hi), into e. */
  void bin(int64_t ph, int64_t pw, int64_t W, std::vector<Entry> &e, int64_t lo = 0,
           int64_t hi = std::numeric_limits<int64_t>::max()) const {
    e.clear();
    for (int64_t i = ys.at[ph]; i < ys.at[ph + 1]; i++) {
      if (row0 + ys.idx[i] < lo || row0 + ys.idx[i] >= hi) continue;
      for (int64_t j = xs.at[pw]; j < xs.at[pw + 1]; j++) {
        const float w = static_cast<float>(ys.w[i] * xs.w[j] * inv);
        if (w != 0.f) e.push_back({base + ys.idx[i] * W + xs.idx[j], w});
      }
    }
  }
};

/** o[c] = Σ_j w_j · f[pos_j·C + c] for c in [c0, c1), four pixels per pass over o. */
void gatherBin(float *o, const float *f, const std::vector<Entry> &e, int64_t C, int64_t c0, int64_t c1) {
  const size_t n = e.size();
  if (n == 0) {
    std::fill(o + c0, o + c1, 0.f);
    return;
  }
  size_t j = 0;
  bool first = true;
  for (; j + 4 <= n; j += 4, first = false) {
    const float *p0 = f + e[j].pos * C, *p1 = f + e[j + 1].pos * C, *p2 = f + e[j + 2].pos * C, *p3 = f + e[j + 3].pos * C;
    const float w0 = e[j].w, w1 = e[j + 1].w, w2 = e[j + 2].w, w3 = e[j + 3].w;
    if (first) {
      for (int64_t c = c0; c < c1; c++) o[c] = w0 * p0[c] + w1 * p1[c] + w2 * p2[c] + w3 * p3[c];
    } else {
      for (int64_t c = c0; c < c1; c++) o[c] += w0 * p0[c] + w1 * p1[c] + w2 * p2[c] + w3 * p3[c];
    }
  }
  for (; j < n; j++, first = false) {
    const float *p = f + e[j].pos * C;
    const float w = e[j].w;
    if (first) {
      for (int64_t c = c0; c < c1; c++) o[c] = w * p[c];
    } else {
      for (int64_t c = c0; c < c1; c++) o[c] += w * p[c];
    }
  }
}

Napi::Value RoiAlign(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[3], true);
    checkLen(info[0], g.featureSize(), "roiAlign features");
    checkLen(info[1], g.K * 5, "roiAlign rois");
    checkLen(info[2], g.outSize(), "roiAlign output");
    const float *f = F32(info[0]), *rois = F32(info[1]);
    float *out = F32(info[2]);
    const float scale = static_cast<float>(Dbl(info[4]));
    checkRois(rois, g);
    if (g.H == 0 || g.W == 0) {
      zero(out, g.outSize());
      return;
    }
    const int64_t bins = g.oh * g.ow;
#pragma omp parallel if (g.outSize() >= kParallelMin)
    {
      AlignRoi roi;
      std::vector<Entry> e;
      int64_t current = -1;
#pragma omp for schedule(dynamic, 16)
      for (int64_t b = 0; b < g.K * bins; b++) {
        const int64_t k = b / bins, ph = (b % bins) / g.ow, pw = b % g.ow;
        if (k != current) {
          roi.set(rois, k, g, scale);
          current = k;
        }
        roi.bin(ph, pw, g.W, e);
        gatherBin(out + b * g.C, f, e, g.C, 0, g.C);
      }
    }
  });
}

/** The gradient rows [lo, hi) (flat over images): every bin's dy spread over its pixels in those rows. */
void alignGradBand(const float *dy, const float *rois, float *dx, const Geom &g, float scale, int64_t lo, int64_t hi,
                   AlignRoi &roi, std::vector<Entry> &e) {
  const int64_t C = g.C;
  for (int64_t k = 0; k < g.K; k++) {
    const int64_t row0 = static_cast<int64_t>(rois[5 * k]) * g.H;
    if (row0 + g.H <= lo || row0 >= hi) continue;  // another image
    roi.set(rois, k, g, scale);
    for (int64_t ph = 0; ph < g.oh; ph++) {
      if (!roi.rowsIn(ph, lo, hi)) continue;
      for (int64_t pw = 0; pw < g.ow; pw++) {
        roi.bin(ph, pw, g.W, e, lo, hi);
        const float *d = dy + ((k * g.oh + ph) * g.ow + pw) * C;
        for (const Entry &en : e) {
          float *p = dx + en.pos * C;
          const float w = en.w;
          for (int64_t c = 0; c < C; c++) p[c] += w * d[c];
        }
      }
    }
  }
}

Napi::Value RoiAlignGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[3], true);
    checkLen(info[0], g.outSize(), "roiAlignGrad dy");
    checkLen(info[1], g.K * 5, "roiAlignGrad rois");
    checkLen(info[2], g.featureSize(), "roiAlignGrad dx");
    const float *dy = F32(info[0]), *rois = F32(info[1]);
    float *dx = F32(info[2]);
    const float scale = static_cast<float>(Dbl(info[4]));
    checkRois(rois, g);
    zero(dx, g.featureSize());
    if (g.H == 0 || g.W == 0) return;
    const bool par = g.outSize() >= kParallelMin;
    const Bands bands(g.N * g.H, par);
#pragma omp parallel if (bands.count > 1)
    {
      AlignRoi roi;
      std::vector<Entry> e;
#pragma omp for schedule(dynamic, 1)
      for (int64_t b = 0; b < bands.count; b++) alignGradBand(dy, rois, dx, g, scale, bands.begin(b), bands.end(b), roi, e);
    }
  });
}

// ----------------------------------------------------------------------------------------------- RoIPool

/** torchvision's rounding (halves away from zero) of a float32 product (bounded: absurd coordinates stay integers). */
int64_t roundScaled(float v, float scale) {
  const double r = std::round(static_cast<double>(v * scale));
  return static_cast<int64_t>(std::min(std::max(r, -1e15), 1e15));
}

/** Bin ranges [start, end) of one roi along one axis (roi_pool_kernels.ts poolRanges). */
void poolRanges(float lo, float hi, int64_t n, int64_t size, float scale, std::vector<int64_t> &out) {
  const int64_t s = roundScaled(lo, scale), e = roundScaled(hi, scale);
  const int64_t len = std::max<int64_t>(e - s + 1, 1);
  const float bin = static_cast<float>(len) / static_cast<float>(n);
  out.resize(2 * n);
  for (int64_t p = 0; p < n; p++) {
    const int64_t a = static_cast<int64_t>(std::floor(static_cast<float>(p) * bin)) + s;
    const int64_t b = static_cast<int64_t>(std::ceil(static_cast<float>(p + 1) * bin)) + s;
    out[2 * p] = std::min(std::max<int64_t>(a, 0), size);
    out[2 * p + 1] = std::min(std::max<int64_t>(b, 0), size);
  }
}

struct PoolRoi {
  std::vector<int64_t> ys, xs;
  int64_t base = 0;
  void set(const float *rois, int64_t k, const Geom &g, float scale) {
    const float *r = rois + 5 * k;
    base = roiBase(rois, k, g);
    poolRanges(r[2], r[4], g.oh, g.H, scale, ys);
    poolRanges(r[1], r[3], g.ow, g.W, scale, xs);
  }
  bool empty(int64_t ph, int64_t pw) const { return ys[2 * ph + 1] <= ys[2 * ph] || xs[2 * pw + 1] <= xs[2 * pw]; }
};

constexpr float kLowest = -std::numeric_limits<float>::max();

/** Max over bin (ph, pw): val[c] from -FLT_MAX up, as torchvision's `>` scan. */
void binMax(const PoolRoi &r, int64_t ph, int64_t pw, const float *f, const Geom &g, float *val) {
  const int64_t C = g.C;
  std::fill(val, val + C, kLowest);
  for (int64_t y = r.ys[2 * ph]; y < r.ys[2 * ph + 1]; y++) {
    for (int64_t x = r.xs[2 * pw]; x < r.xs[2 * pw + 1]; x++) {
      const float *v = f + (r.base + y * g.W + x) * C;
      for (int64_t c = 0; c < C; c++) val[c] = v[c] > val[c] ? v[c] : val[c];
    }
  }
}

/**
 * dy of bin (ph, pw) to its argmax, in the image rows [ylo, yhi) only: the argmax is the first pixel
 * (row-major) whose value equals the bin's max val[c] — the pixel the `>` scan picked — and there is none when
 * the max stayed at -FLT_MAX (no value above it). A second pass over the window instead of a per-channel
 * argmax, so that every access runs along channels; the rows above the band are read to find the first hit.
 */
void binScatter(const PoolRoi &r, int64_t ph, int64_t pw, const float *f, const Geom &g, int64_t ylo, int64_t yhi,
                const float *val, const float *d, float *rest, float *dx) {
  const int64_t C = g.C;
  for (int64_t c = 0; c < C; c++) rest[c] = val[c] > kLowest ? d[c] : 0.f;
  const int64_t yEnd = std::min(r.ys[2 * ph + 1], yhi);
  for (int64_t y = r.ys[2 * ph]; y < yEnd; y++) {
    const bool write = y >= ylo;
    for (int64_t x = r.xs[2 * pw]; x < r.xs[2 * pw + 1]; x++) {
      const int64_t p = (r.base + y * g.W + x) * C;
      const float *v = f + p;
      if (write) {
        float *o = dx + p;
        for (int64_t c = 0; c < C; c++) {
          const bool hit = v[c] == val[c];
          o[c] += hit ? rest[c] : 0.f;
          rest[c] = hit ? 0.f : rest[c];
        }
      } else {
        for (int64_t c = 0; c < C; c++) rest[c] = v[c] == val[c] ? 0.f : rest[c];
      }
    }
  }
}

/** The gradient rows [lo, hi) (flat over images): each bin's dy at its argmax when that lies in those rows. */
void poolGradBand(const float *dy, const float *f, const float *rois, float *dx, const Geom &g, float scale,
                  int64_t lo, int64_t hi, PoolRoi &roi, float *val, float *rest) {
  for (int64_t k = 0; k < g.K; k++) {
    const int64_t row0 = static_cast<int64_t>(rois[5 * k]) * g.H;
    if (row0 + g.H <= lo || row0 >= hi) continue;  // another image
    roi.set(rois, k, g, scale);
    const int64_t ylo = lo - row0, yhi = hi - row0;
    for (int64_t ph = 0; ph < g.oh; ph++) {
      if (roi.ys[2 * ph + 1] <= std::max(roi.ys[2 * ph], ylo) || roi.ys[2 * ph] >= yhi) continue;
      for (int64_t pw = 0; pw < g.ow; pw++) {
        if (roi.empty(ph, pw)) continue;
        binMax(roi, ph, pw, f, g, val);
        binScatter(roi, ph, pw, f, g, ylo, yhi, val, dy + ((k * g.oh + ph) * g.ow + pw) * g.C, rest, dx);
      }
    }
  }
}

Napi::Value RoiPool(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[3], false);
    checkLen(info[0], g.featureSize(), "roiPool features");
    checkLen(info[1], g.K * 5, "roiPool rois");
    checkLen(info[2], g.outSize(), "roiPool output");
    const float *f = F32(info[0]), *rois = F32(info[1]);
    float *out = F32(info[2]);
    const float scale = static_cast<float>(Dbl(info[4]));
    checkRois(rois, g);
    const int64_t bins = g.oh * g.ow;
#pragma omp parallel if (g.outSize() >= kParallelMin)
    {
      PoolRoi roi;
      int64_t current = -1;
#pragma omp for schedule(dynamic, 16)
      for (int64_t b = 0; b < g.K * bins; b++) {
        const int64_t k = b / bins, ph = (b % bins) / g.ow, pw = b % g.ow;
        if (k != current) {
          roi.set(rois, k, g, scale);
          current = k;
        }
        float *o = out + b * g.C;
        if (roi.empty(ph, pw)) std::fill(o, o + g.C, 0.f);
        else binMax(roi, ph, pw, f, g, o);
      }
    }
  });
}

Napi::Value RoiPoolGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[4], false);
    checkLen(info[0], g.outSize(), "roiPoolGrad dy");
    checkLen(info[1], g.featureSize(), "roiPoolGrad features");
    checkLen(info[2], g.K * 5, "roiPoolGrad rois");
    checkLen(info[3], g.featureSize(), "roiPoolGrad dx");
    const float *dy = F32(info[0]), *f = F32(info[1]), *rois = F32(info[2]);
    float *dx = F32(info[3]);
    const float scale = static_cast<float>(Dbl(info[5]));
    checkRois(rois, g);
    zero(dx, g.featureSize());
    const bool par = g.outSize() >= kParallelMin;
    const Bands bands(g.N * g.H, par);
#pragma omp parallel if (bands.count > 1)
    {
      PoolRoi roi;
      std::vector<float> val(g.C), rest(g.C);
#pragma omp for schedule(dynamic, 1)
      for (int64_t b = 0; b < bands.count; b++) {
        poolGradBand(dy, f, rois, dx, g, scale, bands.begin(b), bands.end(b), roi, val.data(), rest.data());
      }
    }
  });
}

}  // namespace

void InitRoi(Napi::Env env, Napi::Object exports) {
  exports.Set("roiAlign", Napi::Function::New(env, RoiAlign));
  exports.Set("roiAlignGrad", Napi::Function::New(env, RoiAlignGrad));
  exports.Set("roiPool", Napi::Function::New(env, RoiPool));
  exports.Set("roiPoolGrad", Napi::Function::New(env, RoiPoolGrad));
}

}  // namespace rn
