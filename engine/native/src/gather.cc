// GatherV2 with batchDims 0 over typed arrays of any element size (bits moved, never converted):
//   gather(x, indices, out, geom)   x viewed as [outer, dim, slice], indices an Int32Array of n entries in
//                                   [0, dim) (checked here too; the JS side checks first, with tfjs's message),
//                                   geom: Float64Array [outer, dim, slice]; out[o, k, :] = x[o, indices[k], :].
// Rows are copied with memcpy, over the OpenMP threads from a million elements (see copy.cc).
#include "common.h"
#include <cstring>
#include <stdexcept>

namespace rn {

extern const int64_t kCopyParallelMin;  // copy.cc

namespace {

Napi::Value Gather(const Napi::CallbackInfo &info) {
  auto x = info[0].As<Napi::TypedArray>(), out = info[2].As<Napi::TypedArray>();
  auto idx = info[1].As<Napi::Int32Array>();
  auto geom = info[3].As<Napi::Float64Array>();
  return Guard(info, [&] {
    if (geom.ElementLength() != 3) throw std::invalid_argument("gather: geom must be [outer, dim, slice]");
    const int64_t outer = static_cast<int64_t>(geom[0]), dim = static_cast<int64_t>(geom[1]),
                  slice = static_cast<int64_t>(geom[2]), n = static_cast<int64_t>(idx.ElementLength());
    const size_t es = x.ElementSize();
    if (out.ElementSize() != es) throw std::invalid_argument("gather: input and output element sizes differ");
    if (outer < 0 || dim < 0 || slice < 0) throw std::invalid_argument("gather: negative size in geom");
    if (static_cast<int64_t>(x.ElementLength()) != outer * dim * slice) throw std::invalid_argument("gather: x size is not outer*dim*slice");
    if (static_cast<int64_t>(out.ElementLength()) != outer * n * slice) throw std::invalid_argument("gather: out size is not outer*n*slice");
    const int32_t *ix = idx.Data();
    for (int64_t k = 0; k < n; k++) {
      if (ix[k] < 0 || ix[k] >= dim) {
        throw std::invalid_argument("gather: index " + std::to_string(ix[k]) + " is not in [0, " + std::to_string(dim - 1) + "]");
      }
    }
    const uint8_t *xs = static_cast<const uint8_t *>(x.ArrayBuffer().Data()) + x.ByteOffset();
    uint8_t *os = static_cast<uint8_t *>(out.ArrayBuffer().Data()) + out.ByteOffset();
    const size_t row = static_cast<size_t>(slice) * es;
    const bool par = outer * n * slice >= kCopyParallelMin;
#pragma omp parallel for if (par) schedule(static)
    for (int64_t t = 0; t < outer * n; t++) {
      const int64_t o = t / n, k = t % n;
      std::memcpy(os + t * row, xs + (o * dim + ix[k]) * row, row);
    }
  });
}

}  // namespace

void InitGather(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather));
}

}  // namespace rn
