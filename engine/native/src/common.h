// Shared helpers for resdet's native kernels: the oneDNN engine and stream, argument access on N-API
// values (Float32Array buffers are used in place, never copied), and a shape-keyed primitive cache.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <xmmintrin.h>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace rn {

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
constexpr auto f32 = dnnl::memory::data_type::f32;

dnnl::engine &cpu();
dnnl::stream &strm();

inline float *F32(const Napi::Value &v) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return v.As<Napi::Float32Array>().Data();
}
inline size_t Len(const Napi::Value &v) { return v.As<Napi::Float32Array>().ElementLength(); }
inline int64_t I64(const Napi::Value &v) { return v.As<Napi::Number>().Int64Value(); }
inline double Dbl(const Napi::Value &v) { return v.As<Napi::Number>().DoubleValue(); }
inline bool Bool(const Napi::Value &v) { return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : false; }
inline std::string Str(const Napi::Value &v) { return v.As<Napi::String>().Utf8Value(); }

inline std::vector<int64_t> Ints(const Napi::Value &v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

/** Cache key from a kernel tag and integers (shapes, strides, flags). */
inline std::string Key(const char *kind, std::initializer_list<int64_t> xs) {
  std::string k(kind);
  for (int64_t x : xs) { k += ':'; k += std::to_string(x); }
  return k;
}

/** A caller's Float32Array: its data and its size in bytes (null/undefined: no buffer). */
struct Buf {
  float *p = nullptr;
  size_t bytes = 0;
};
inline Buf B(const Napi::Value &v) {
  if (v.IsNull() || v.IsUndefined()) return {};
  auto a = v.As<Napi::Float32Array>();
  return {a.Data(), a.ByteLength()};
}

/**
 * A memory object over a caller's buffer (no copy). Refuses a buffer smaller than the descriptor: oneDNN
 * would read or write past its end (it has no bounds of its own), corrupting the JS heap.
 */
inline dnnl::memory Wrap(const dnnl::memory::desc &md, Buf b) {
  if (md.get_size() > b.bytes)
    throw std::length_error("native: a buffer of " + std::to_string(b.bytes) + " bytes given for a " +
                            std::to_string(md.get_size()) + "-byte oneDNN memory");
  return dnnl::memory(md, cpu(), b.p);
}

/** Throws a JS error from a C++ exception (oneDNN errors included). */
Napi::Value Fail(const Napi::Env &env, const std::exception &e);

/** Entry point decorator: runs f, turns exceptions into JS errors. */
/** Entry point wrapper: runs f with subnormals flushed (FTZ/DAZ, restored after), exceptions as JS errors. */
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo &info, F f) {
  const unsigned csr = _mm_getcsr();
  _mm_setcsr(csr | 0x8040);
  try {
    f();
  } catch (const std::exception &e) {
    _mm_setcsr(csr);
    return Fail(info.Env(), e);
  }
  _mm_setcsr(csr);
  return info.Env().Undefined();
}

// Registration of each kernel family's functions on the addon's exports.
void InitConv(Napi::Env env, Napi::Object exports);
void InitBatchNorm(Napi::Env env, Napi::Object exports);
void InitMatMul(Napi::Env env, Napi::Object exports);
void InitPool(Napi::Env env, Napi::Object exports);
void InitElementwise(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);

/** Element count above which element-wise loops use the OpenMP threads. */
constexpr int64_t kParallelMin = 1 << 15;

}  // namespace rn
