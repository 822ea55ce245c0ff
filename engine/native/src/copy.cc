// The data-movement core of the native backend: one strided copy between typed arrays of any element size
// (float32, int32 and bool alike: bits are moved, never converted), behind Transpose, Slice, StridedSlice,
// SplitV, Unpack, Concat, Pack, PadV2 and Tile (engine/native/kernels/).
//   copyStrided(src, dst, geom)   geom: Float64Array [rank, srcOffset, dstOffset, shape[rank],
//                                        srcStrides[rank], dstStrides[rank]] (in elements)
//   dst[dstOffset + sum_k i_k dstStrides[k]] = src[srcOffset + sum_k i_k srcStrides[k]] for every i < shape.
// Strides may be 0 (Tile's repeats) or negative (StridedSlice's reversed ranges). The copy first drops
// dimensions of size 1 and merges neighbours that stay adjacent in both arrays; then an innermost
// dimension contiguous in both goes by memcpy, a transpose (the destination's innermost dimension strided in
// the source, the source's innermost elsewhere) in square tiles, anything else element by element. Large
// copies are split over the OpenMP threads (rows, or chunks of one long row).
#include "common.h"
#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace rn {

/** Elements from which the data-movement kernels (copy.cc, gather.cc, resize_nearest.cc's forward) use threads. */
extern const int64_t kCopyParallelMin = 1 << 20;

namespace {

struct Plan {
  std::vector<int64_t> n, s, d;  // sizes, source strides, destination strides; outermost first
  int64_t src0 = 0, dst0 = 0;
  int64_t total = 1;
};

Plan makePlan(const double *g, size_t len) {
  if (len < 3) throw std::invalid_argument("copyStrided: geom needs [rank, srcOffset, dstOffset, ...]");
  const int64_t rank = static_cast<int64_t>(g[0]);
  if (rank < 0 || len != static_cast<size_t>(3 + 3 * rank)) {
    throw std::invalid_argument("copyStrided: geom has " + std::to_string(len) + " numbers for rank " + std::to_string(rank));
  }
  Plan p;
  p.src0 = static_cast<int64_t>(g[1]);
  p.dst0 = static_cast<int64_t>(g[2]);
  for (int64_t k = 0; k < rank; k++) {
    const int64_t n = static_cast<int64_t>(g[3 + k]), s = static_cast<int64_t>(g[3 + rank + k]),
                  d = static_cast<int64_t>(g[3 + 2 * rank + k]);
    if (n < 0) throw std::invalid_argument("copyStrided: negative size in dimension " + std::to_string(k));
    p.total *= n;
    if (n == 1) continue;
    if (!p.n.empty() && p.s.back() == s * n && p.d.back() == d * n) {
      p.n.back() *= n;
      p.s.back() = s;
      p.d.back() = d;
    } else {
      p.n.push_back(n);
      p.s.push_back(s);
      p.d.push_back(d);
    }
  }
  if (p.n.empty()) p.n = {1}, p.s = {1}, p.d = {1};
  return p;
}

/** Throws unless every index the plan reaches from `start` with `strides` lies in [0, len). */
void checkRange(const Plan &p, int64_t start, const std::vector<int64_t> &strides, int64_t len, const char *what) {
  int64_t lo = start, hi = start;
  for (size_t k = 0; k < p.n.size(); k++) (strides[k] > 0 ? hi : lo) += (p.n[k] - 1) * strides[k];
  if (lo < 0 || hi >= len) {
    throw std::invalid_argument(std::string("copyStrided: ") + what + " indices [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "] outside an array of " + std::to_string(len) + " elements");
  }
}

/** Source and destination offsets of row r over the dimensions in `dims` (outermost first). */
inline void rowOffsets(const Plan &p, const std::vector<int> &dims, int64_t r, int64_t &os, int64_t &od) {
  os = p.src0, od = p.dst0;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; i--) {
    const int k = dims[i];
    const int64_t q = r % p.n[k];
    r /= p.n[k];
    os += q * p.s[k];
    od += q * p.d[k];
  }
}

/** Rows over every dimension but the innermost, each copied in `chunks` pieces (contiguous or strided). */
template <typename T>
void copyRows(const T *src, T *dst, const Plan &p, bool par) {
  const int last = static_cast<int>(p.n.size()) - 1;
  std::vector<int> outer;
  int64_t rows = 1;
  for (int k = 0; k < last; k++) outer.push_back(k), rows *= p.n[k];
  const int64_t run = p.n[last], ss = p.s[last], ds = p.d[last];
  const int64_t chunks = par && rows < 64 ? std::max<int64_t>(1, std::min<int64_t>((run + 4095) / 4096, (64 + rows - 1) / rows)) : 1;
  const int64_t chunk = (run + chunks - 1) / chunks;
  const bool contiguous = ss == 1 && ds == 1;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t t = 0; t < rows * chunks; t++) {
    int64_t os, od;
    rowOffsets(p, outer, t / chunks, os, od);
    const int64_t b = (t % chunks) * chunk, e = std::min(run, b + chunk);
    if (b >= e) continue;
    if (contiguous) {
      std::memcpy(dst + od + b, src + os + b, static_cast<size_t>(e - b) * sizeof(T));
    } else {
      const T *s = src + os + b * ss;
      T *d = dst + od + b * ds;
      for (int64_t x = 0; x < e - b; x++) d[x * ds] = s[x * ss];
    }
  }
}

/**
 * A transpose: the destination's innermost dimension `i` has unit destination stride, the source's innermost
 * dimension `j` unit source stride. Square tiles of (j, i) keep both the reads and the writes in cache.
 */
template <typename T>
void copyTiles(const T *src, T *dst, const Plan &p, int j, bool par) {
  constexpr int64_t B = 32;
  const int i = static_cast<int>(p.n.size()) - 1;
  std::vector<int> outer;
  int64_t rows = 1;
  for (int k = 0; k < i; k++) {
    if (k != j) outer.push_back(k), rows *= p.n[k];
  }
  const int64_t nj = p.n[j], ni = p.n[i], dj = p.d[j], si = p.s[i];
  const int64_t jBlocks = (nj + B - 1) / B;
#pragma omp parallel for if (par) schedule(static)
  for (int64_t t = 0; t < rows * jBlocks; t++) {
    int64_t os, od;
    rowOffsets(p, outer, t / jBlocks, os, od);
    const int64_t j0 = (t % jBlocks) * B, j1 = std::min(nj, j0 + B);
    for (int64_t i0 = 0; i0 < ni; i0 += B) {
      const int64_t i1 = std::min(ni, i0 + B);
      for (int64_t a = j0; a < j1; a++) {
        const T *s = src + os + a;
        T *d = dst + od + a * dj;
        for (int64_t b = i0; b < i1; b++) d[b] = s[b * si];
      }
    }
  }
}

template <typename T>
void run(const T *src, T *dst, const Plan &p) {
  const bool par = p.total >= kCopyParallelMin;
  const int last = static_cast<int>(p.n.size()) - 1;
  if (p.d[last] == 1 && p.s[last] != 1) {
    for (int k = 0; k < last; k++) {
      if (p.s[k] == 1 && p.n[k] >= 8 && p.n[last] >= 8) return copyTiles(src, dst, p, k, par);
    }
  }
  copyRows(src, dst, p, par);
}

Napi::Value CopyStrided(const Napi::CallbackInfo &info) {
  auto src = info[0].As<Napi::TypedArray>(), dst = info[1].As<Napi::TypedArray>();
  auto geom = info[2].As<Napi::Float64Array>();
  return Guard(info, [&] {
    const size_t es = src.ElementSize();
    if (dst.ElementSize() != es) throw std::invalid_argument("copyStrided: source and destination element sizes differ");
    const Plan p = makePlan(geom.Data(), geom.ElementLength());
    if (p.total == 0) return;
    checkRange(p, p.src0, p.s, static_cast<int64_t>(src.ElementLength()), "source");
    checkRange(p, p.dst0, p.d, static_cast<int64_t>(dst.ElementLength()), "destination");
    uint8_t *s = static_cast<uint8_t *>(src.ArrayBuffer().Data()) + src.ByteOffset();
    uint8_t *d = static_cast<uint8_t *>(dst.ArrayBuffer().Data()) + dst.ByteOffset();
    switch (es) {
      case 1: return run(s, d, p);
      case 2: return run(reinterpret_cast<uint16_t *>(s), reinterpret_cast<uint16_t *>(d), p);
      case 4: return run(reinterpret_cast<uint32_t *>(s), reinterpret_cast<uint32_t *>(d), p);
      case 8: return run(reinterpret_cast<uint64_t *>(s), reinterpret_cast<uint64_t *>(d), p);
      default: throw std::invalid_argument("copyStrided: unsupported element size " + std::to_string(es));
    }
  });
}

}  // namespace

void InitCopy(Napi::Env env, Napi::Object exports) {
  exports.Set("copyStrided", Napi::Function::New(env, CopyStrided));
}

}  // namespace rn
