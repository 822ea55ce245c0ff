// The collectives resdet needs, on the caller's buffers in place (no copy into JS): the sum of Float32Arrays
// over all ranks (one, or several packed into one bucket so that one MPI call reduces them all), the
// broadcast of any buffer from a root rank, and the gathering of each rank's bytes on rank 0 (sharded
// evaluation: each rank's detections). Counts above what an MPI int holds go in chunks.
#include "common.h"
#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

namespace rm {

static constexpr size_t CHUNK = size_t(1) << 30;  // elements (or bytes) per MPI call

Bytes BytesOf(const Napi::Value &v, const char *what) {
  if (v.IsTypedArray()) {
    auto a = v.As<Napi::TypedArray>();
    auto buf = a.ArrayBuffer();
    return {static_cast<char *>(buf.Data()) + a.ByteOffset(), a.ByteLength()};
  }
  if (v.IsDataView()) {
    auto d = v.As<Napi::DataView>();
    return {static_cast<char *>(d.ArrayBuffer().Data()) + d.ByteOffset(), d.ByteLength()};
  }
  throw MpiError(std::string(what) + ": expected a TypedArray, Buffer or DataView");
}

static Napi::Float32Array F32Arg(const Napi::Value &v, const char *what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw MpiError(std::string(what) + ": expected a Float32Array");
  return v.As<Napi::Float32Array>();
}

/** Sums `n` floats at `p` over all ranks, in place. */
static void SumInPlace(float *p, size_t n) {
  for (size_t at = 0; at < n; at += CHUNK) {
    int count = static_cast<int>(std::min(CHUNK, n - at));
    MPI_Request req;
    Check(MPI_Iallreduce(MPI_IN_PLACE, p + at, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &req), "MPI_Iallreduce");
    Wait(req, "MPI_Iallreduce");
  }
}

/** allreduceSum(x: Float32Array): x = the sum of every rank's x (same length on every rank). */
static Napi::Value AllreduceSum(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    RequireLive("allreduceSum");
    auto a = F32Arg(info[0], "allreduceSum");
    SumInPlace(a.Data(), a.ElementLength());
    return info.Env().Undefined();
  });
}

/**
 * allreduceSumMany(xs: Float32Array[], scale: number): each xs[i] = the sum over ranks of scale * xs[i], the
 * arrays packed into one bucket for a single reduction (the same list of lengths on every rank).
 */
static Napi::Value AllreduceSumMany(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    RequireLive("allreduceSumMany");
    if (!info[0].IsArray()) throw MpiError("allreduceSumMany: expected an array of Float32Arrays");
    auto list = info[0].As<Napi::Array>();
    const float scale = info[1].IsNumber() ? info[1].As<Napi::Number>().FloatValue() : 1.0f;
    std::vector<Napi::Float32Array> xs;
    size_t total = 0;
    for (uint32_t i = 0; i < list.Length(); i++) {
      xs.push_back(F32Arg(list.Get(i), "allreduceSumMany"));
      total += xs.back().ElementLength();
    }
    static std::vector<float> bucket;  // kept between calls: the same sizes come every step
    bucket.resize(total);
    size_t at = 0;
    for (auto &x : xs) {
      const float *src = x.Data();
      const size_t n = x.ElementLength();
      if (scale == 1.0f) std::memcpy(bucket.data() + at, src, n * sizeof(float));
      else for (size_t k = 0; k < n; k++) bucket[at + k] = src[k] * scale;
      at += n;
    }
    SumInPlace(bucket.data(), total);
    at = 0;
    for (auto &x : xs) {
      std::memcpy(x.Data(), bucket.data() + at, x.ElementLength() * sizeof(float));
      at += x.ElementLength();
    }
    return info.Env().Undefined();
  });
}

/** broadcast(x: TypedArray, root = 0): every rank's x = root's x (the same byte length everywhere). */
static Napi::Value Broadcast(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    RequireLive("broadcast");
    Bytes b = BytesOf(info[0], "broadcast");
    int root = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    if (root < 0 || root >= world().size) throw MpiError("broadcast: root " + std::to_string(root) + " is not a rank");
    size_t at = 0;
    do {  // once at least, so that a zero-length broadcast is still a collective every rank takes part in
      int count = static_cast<int>(std::min(CHUNK, b.length - at));
      MPI_Request req;
      Check(MPI_Ibcast(b.data + at, count, MPI_BYTE, root, MPI_COMM_WORLD, &req), "MPI_Ibcast");
      Wait(req, "MPI_Ibcast");
      at += CHUNK;
    } while (at < b.length);
    return info.Env().Undefined();
  });
}

/**
 * gather(x: TypedArray): on rank 0, an array of every rank's bytes (as Buffers, in rank order); elsewhere
 * null. Lengths may differ between ranks; each must fit an MPI int (2 GiB).
 */
static Napi::Value Gather(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    RequireLive("gather");
    Bytes b = BytesOf(info[0], "gather");
    if (b.length > INT_MAX) throw MpiError("gather: " + std::to_string(b.length) + " bytes is more than one rank may send (2 GiB)");
    const World &w = world();
    int mine = static_cast<int>(b.length);
    std::vector<int> counts(w.rank == 0 ? w.size : 0);
    MPI_Request req;
    Check(MPI_Igather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD, &req), "MPI_Igather");
    Wait(req, "MPI_Igather");
    std::vector<int> offsets(counts.size());
    long long total = 0;
    for (size_t r = 0; r < counts.size(); r++) {
      offsets[r] = static_cast<int>(total);
      total += counts[r];
    }
    if (total > INT_MAX) throw MpiError("gather: " + std::to_string(total) + " bytes in all is more than rank 0 may receive (2 GiB)");
    std::vector<char> all(static_cast<size_t>(total));
    Check(MPI_Igatherv(b.data, mine, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, 0, MPI_COMM_WORLD, &req), "MPI_Igatherv");
    Wait(req, "MPI_Igatherv");
    if (w.rank != 0) return info.Env().Null();
    auto out = Napi::Array::New(info.Env(), w.size);
    for (int r = 0; r < w.size; r++) out.Set(r, Napi::Buffer<char>::Copy(info.Env(), all.data() + offsets[r], counts[r]));
    return out;
  });
}

void InitCollectives(Napi::Env env, Napi::Object exports) {
  exports.Set("allreduceSum", Napi::Function::New(env, AllreduceSum));
  exports.Set("allreduceSumMany", Napi::Function::New(env, AllreduceSumMany));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast));
  exports.Set("gather", Napi::Function::New(env, Gather));
}

}  // namespace rm
