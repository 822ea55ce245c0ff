// Batch norm in training on oneDNN, channels last, matching resdet's ResdetBatchNormTrain(Grad):
//   batchNormTrain(x, scale, offset, y, mean, variance, shape, eps)   batch statistics, biased variance
//   batchNormTrainGrad(dy, x, scale, mean, variance, dx, dscale, doffset, shape, eps)
// shape: Int32Array [N, H, W, C] (nhwc) or [rows, C] (nc); primitives cached by shape and epsilon.
#include "common.h"
#include <memory>

namespace rn {
namespace {

using namespace dnnl;

const auto kFlags = normalization_flags::use_scale | normalization_flags::use_shift;

struct Shape {
  dims d;
  int64_t C;
  float eps;
  Shape(const Napi::Value &v, const Napi::Value &e) : eps(static_cast<float>(Dbl(e))) {
    auto a = v.As<Napi::Int32Array>();
    if (a.ElementLength() == 4) d = {a[0], a[3], a[1], a[2]};
    else d = {a[0], a[1]};
    C = d[1];
  }
  memory::desc data() const { return {d, f32, d.size() == 4 ? tag::nhwc : tag::nc}; }
  memory::desc vec() const { return {{C}, f32, tag::a}; }
  std::string key(const char *kind) const {
    std::string k = Key(kind, {static_cast<int64_t>(d.size()), int64_t(eps * 1e9)});
    for (auto x : d) k += ':' + std::to_string(x);
    return k;
  }
  batch_normalization_forward::primitive_desc fwdPd() const {
    batch_normalization_forward::desc fd(prop_kind::forward_training, data(), eps, kFlags);
    return batch_normalization_forward::primitive_desc(fd, cpu());
  }
};

template <typename P>
P &cached(const std::string &key, P (*make)(const Shape &), const Shape &s) {
  static std::unordered_map<std::string, std::unique_ptr<P>> cache;
  auto &e = cache[key];
  if (!e) e.reset(new P(make(s)));
  return *e;
}

batch_normalization_forward makeFwd(const Shape &s) { return batch_normalization_forward(s.fwdPd()); }
batch_normalization_backward makeBwd(const Shape &s) {
  batch_normalization_backward::desc bd(prop_kind::backward, s.data(), s.data(), s.eps, kFlags);
  return batch_normalization_backward(batch_normalization_backward::primitive_desc(bd, cpu(), s.fwdPd()));
}

Napi::Value Train(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Shape s(info[6], info[7]);
    auto &p = cached(s.key("bn_fwd"), makeFwd, s);
    p.execute(strm(), {{DNNL_ARG_SRC, Wrap(s.data(), F32(info[0]))},
                       {DNNL_ARG_SCALE, Wrap(s.vec(), F32(info[1]))},
                       {DNNL_ARG_SHIFT, Wrap(s.vec(), F32(info[2]))},
                       {DNNL_ARG_DST, Wrap(s.data(), F32(info[3]))},
                       {DNNL_ARG_MEAN, Wrap(s.vec(), F32(info[4]))},
                       {DNNL_ARG_VARIANCE, Wrap(s.vec(), F32(info[5]))}});
    strm().wait();
  });
}

Napi::Value TrainGrad(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Shape s(info[8], info[9]);
    auto &p = cached(s.key("bn_bwd"), makeBwd, s);
    p.execute(strm(), {{DNNL_ARG_DIFF_DST, Wrap(s.data(), F32(info[0]))},
                       {DNNL_ARG_SRC, Wrap(s.data(), F32(info[1]))},
                       {DNNL_ARG_SCALE, Wrap(s.vec(), F32(info[2]))},
                       // required by oneDNN with use_shift but not read by the backward pass
                       {DNNL_ARG_SHIFT, Wrap(s.vec(), F32(info[2]))},
                       {DNNL_ARG_MEAN, Wrap(s.vec(), F32(info[3]))},
                       {DNNL_ARG_VARIANCE, Wrap(s.vec(), F32(info[4]))},
                       {DNNL_ARG_DIFF_SRC, Wrap(s.data(), F32(info[5]))},
                       {DNNL_ARG_DIFF_SCALE, Wrap(s.vec(), F32(info[6]))},
                       {DNNL_ARG_DIFF_SHIFT, Wrap(s.vec(), F32(info[7]))}});
    strm().wait();
  });
}

}  // namespace

void InitBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Napi::Function::New(env, Train));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, TrainGrad));
}

}  // namespace rn
