// resdet's native addon: oneDNN convolutions, matrix products, pooling and batch norm, plus OpenMP
// element-wise and reduction loops, all working in place on the Float32Array buffers tfjs-cpu stores.
// Threads: oneDNN here runs on OpenMP; setThreads sets the OpenMP pool both share.
#include "common.h"
#include <omp.h>
#include <cstdlib>
#include <vector>
#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace rn {

void InitRoi(Napi::Env env, Napi::Object exports);  // roi.cc: RoIAlign / RoIPool forward and backward
void InitCopy(Napi::Env env, Napi::Object exports);  // copy.cc: strided copies (Transpose, Slice, Concat, Pad, ...)
void InitGather(Napi::Env env, Napi::Object exports);  // gather.cc: GatherV2
void InitResizeNearest(Napi::Env env, Napi::Object exports);  // resize_nearest.cc: ResizeNearestNeighbor (+ grad)
void InitOptim(Napi::Env env, Napi::Object exports);  // optim.cc: SGD's update in one pass
void InitBoxes(Napi::Env env, Napi::Object exports);  // boxes.cc: host loops of the detector (IoU, matching, top-k, NMS)

dnnl::engine &cpu() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream &strm() {
  static dnnl::stream s(cpu());
  return s;
}

Napi::Value Fail(const Napi::Env &env, const std::exception &e) {
  Napi::Error::New(env, std::string("resdet native: ") + e.what()).ThrowAsJavaScriptException();
  return env.Undefined();
}

static void FlushWorkers() {
#pragma omp parallel
  if (omp_get_thread_num() != 0) _mm_setcsr(_mm_getcsr() | 0x8040);
}

static Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  int n = static_cast<int>(I64(info[0]));
  if (n > 0) omp_set_num_threads(n);
  FlushWorkers();
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

// The Linux thread ids of the OpenMP team the kernels run on (the calling thread first); empty elsewhere.
static Napi::Value KernelThreadIds(const Napi::CallbackInfo &info) {
  std::vector<double> ids(omp_get_max_threads(), 0);
#ifdef __linux__
#pragma omp parallel
  {
    int t = omp_get_thread_num();
    if (t < static_cast<int>(ids.size())) ids[t] = static_cast<double>(syscall(SYS_gettid));
  }
#else
  ids.clear();
#endif
  auto a = Napi::Array::New(info.Env(), ids.size());
  for (size_t i = 0; i < ids.size(); i++) a.Set(static_cast<uint32_t>(i), ids[i]);
  return a;
}

static Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  const dnnl_version_t *v = dnnl_version();
  o.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("runtime", "OpenMP");
  o.Set("threads", omp_get_max_threads());
  o.Set("cores", omp_get_num_procs());
  o.Set("isa", static_cast<int>(dnnl::get_effective_cpu_isa()));
  return o;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Subnormal floats slow CPU training tenfold: the OpenMP workers flush them to zero for good (as
  // PyTorch's --flush-denormal does); the JS thread only during native calls (see Guard).
  FlushWorkers();
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("kernelThreadIds", Napi::Function::New(env, KernelThreadIds));
  InitConv(env, exports);
  InitBatchNorm(env, exports);
  InitMatMul(env, exports);
  InitPool(env, exports);
  InitElementwise(env, exports);
  InitReduce(env, exports);
  InitRoi(env, exports);
  InitCopy(env, exports);
  InitGather(env, exports);
  InitResizeNearest(env, exports);
  InitOptim(env, exports);
  InitBoxes(env, exports);
  return exports;
}

}  // namespace rn

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return rn::Init(env, exports); }
NODE_API_MODULE(resdet_native, InitAddon)
