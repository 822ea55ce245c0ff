// 2-D convolution on oneDNN: NHWC activations, HWIO weights in the caller's buffers; oneDNN picks its own
// weight layout and the reorders from/to HWIO are cached with the primitives, by shape.
//   conv2d(x, w, bias|null, y, geom, wid, add|null)  forward, optional bias, residual add and ReLU post-op; the
//                                                   add (y's shape) is a binary post-op reading `add` (geom add
//                                                   1) or, when y is `add`'s own buffer, a sum post-op (add 2:
//                                                   oneDNN then picks its brgconv 1x1 kernels); wid > 0 marks
//                                                   weights used again unchanged (eval mode): their copy in
//                                                   the primitive's layout is kept until releaseWeights(wid)
//                                                   3x3 stride-1 forward passes marked `inference` run
//                                                   oneDNN's Winograd kernels (blocked layout, reordered at
//                                                   both ends through shared scratch buffers)
//   conv2dBackpropInput(dy, w, dx, geom)            gradient w.r.t. the input
//   conv2dBackpropFilter(x, dy, dw, geom)           gradient w.r.t. the HWIO filter
// geom: Int32Array [N, H, W, C, KH, KW, CO, OH, OW, sH, sW, dH, dW, pT, pL, pB, pR, relu, add, inference]
// (add: 0 none, 1 binary post-op, 2 sum into y)
// (inference: no gradient will be taken of this forward pass, so it may use Winograd's algorithm)
#include "common.h"
#include <cstdlib>
#include <memory>

namespace rn {
namespace {

using namespace dnnl;

/** Whether inference 3x3 convolutions may use Winograd's algorithm (setConvWinograd; on unless RESDET_CONV_WINOGRAD=0). */
bool &winogradAllowed() {
  static bool on = [] {
    const char *v = std::getenv("RESDET_CONV_WINOGRAD");
    return !(v && std::string(v) == "0");
  }();
  return on;
}

struct Geom {
  int64_t N, H, W, C, KH, KW, CO, OH, OW, sH, sW, dH, dW, pT, pL, pB, pR, relu, add = 0, inference = 0;
  explicit Geom(const Napi::Value &v) {
    auto a = v.As<Napi::Int32Array>();
    int64_t *f[] = {&N, &H, &W, &C, &KH, &KW, &CO, &OH, &OW, &sH, &sW, &dH, &dW, &pT, &pL, &pB, &pR, &relu, &add, &inference};
    for (size_t i = 0; i < 20 && i < a.ElementLength(); i++) *f[i] = a[i];
  }
  std::string key(const char *kind, bool bias) const {
    return Key(kind, {N, H, W, C, KH, KW, CO, OH, OW, sH, sW, dH, dW, pT, pL, pB, pR, relu, add, inference, bias});
  }
  memory::desc src() const { return {{N, C, H, W}, f32, tag::nhwc}; }
  memory::desc dst() const { return {{N, CO, OH, OW}, f32, tag::nhwc}; }
  memory::desc wUser() const { return {{CO, C, KH, KW}, f32, tag::hwio}; }
  memory::desc wAny() const { return {{CO, C, KH, KW}, f32, tag::any}; }
  /**
   * The gradient's layout for backward-weights: oneDNN's choice, except for strided 1x1 kernels over a channel
   * count that is not a multiple of 16: there oneDNN 2.6.3's jit_1x1 backward-weights (picked with its blocked
   * layout) writes past the end of its scratchpad. Found with guard pages around every buffer, over batches
   * 1-128, channels 3-256, even and odd sizes, 1-8 threads: it faults for 3-12 input channels, an even input
   * and stride 2 whenever it runs multi-threaded. The plain layout makes oneDNN use its gemm kernel instead
   * (test/engine/native_kernels.test.ts).
   */
  memory::desc bwdWeightsMd() const { return KH == 1 && KW == 1 && (sH > 1 || sW > 1) && C % 16 != 0 ? wUser() : wAny(); }
  memory::desc biasMd() const { return {{CO}, f32, tag::a}; }
  dims strides() const { return {sH, sW}; }
  dims dil() const { return {dH - 1, dW - 1}; }
  dims padL() const { return {pT, pL}; }
  dims padR() const { return {pB, pR}; }

  /**
   * Whether a forward pass may use Winograd's algorithm: one of which no gradient will be taken (eval mode,
   * inference; the weights are transformed once when kept, weight_ids.ts), with 3x3 kernels, stride 1, no
   * dilation, no residual add, at least 14x14 output positions over the batch (below that it gains little and
   * its weights, kept transformed, take up to 4x the room), unless RESDET_CONV_WINOGRAD=0. oneDNN's inference F(2,3)/F(4,3)
   * kernels (AVX-512) take 0.45-0.6x the time of its direct kernels for ResNet's 3x3 convolutions at 56-14 px; their
   * results differ from the direct ones by ~1e-6 relative. (Its training-mode Winograd transforms the weights on
   * every call and is slower than direct here.)
   */
  bool winogradShape() const {
    return inference && winogradAllowed() && KH == 3 && KW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1 && !add && N * OH * OW >= 14 * 14;
  }

  convolution_forward::primitive_desc fwdPd(bool bias, bool relu, int64_t add = 0,
                                            algorithm alg = algorithm::convolution_direct) const {
    const bool wino = alg == algorithm::convolution_winograd;
    const auto kind = wino ? prop_kind::forward_inference : prop_kind::forward_training;
    auto src_any = wino ? memory::desc({N, C, H, W}, f32, tag::any) : src();
    auto dst_any = wino ? memory::desc({N, CO, OH, OW}, f32, tag::any) : dst();
    convolution_forward::desc d = bias
        ? convolution_forward::desc(kind, alg, src_any, wAny(), biasMd(), dst_any, strides(), dil(), padL(), padR())
        : convolution_forward::desc(kind, alg, src_any, wAny(),
                                    dst_any, strides(), dil(), padL(), padR());
    primitive_attr attr;
    post_ops ops;
    // In place (add 2) y holds the shortcut when the primitive runs: oneDNN 2.6.3 runs 1x1 convolutions with a
    // sum post-op on its brgconv kernels and with a binary one on jit_1x1, ~4 % of a ResNet-50 pass at batch 1.
    if (add == 2) ops.append_sum(1.f);
    if (add == 1) ops.append_binary(algorithm::binary_add, dst());
    if (relu) ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
    return convolution_forward::primitive_desc(d, attr, cpu());
  }
};

/** A cached weight reorder between the user HWIO buffer and a primitive's layout (none when equal). */
struct WeightLayout {
  memory::desc user, prim;
  bool same = true;
  memory buf;     // the weights in the primitive's layout
  primitive reorder_;
  void init(const memory::desc &u, const memory::desc &p, bool toPrim) {
    user = u;
    prim = p;
    same = (u == p);
    if (same) return;
    buf = memory(p, cpu());
    reorder_ = toPrim ? reorder(reorder::primitive_desc(cpu(), u, cpu(), p))
                      : reorder(reorder::primitive_desc(cpu(), p, cpu(), u));
  }
  /** user -> primitive layout; returns the memory the primitive should read. */
  memory in(Buf w) {
    memory u = Wrap(user, w);
    if (same) return u;
    reorder_.execute(strm(), {{DNNL_ARG_FROM, u}, {DNNL_ARG_TO, buf}});
    return buf;
  }
  /** the memory the primitive should write; call out() afterwards. */
  memory target(Buf w) { return same ? Wrap(user, w) : buf; }
  void out(Buf w) {
    if (same) return;
    memory u = Wrap(user, w);
    reorder_.execute(strm(), {{DNNL_ARG_FROM, buf}, {DNNL_ARG_TO, u}});
  }
};

/**
 * Two grow-only buffers that every blocked-layout primitive's input and output copies share (the stream runs one
 * primitive at a time): kept per shape, they would grow with every new image size a detector sees.
 */
void *Scratch(int which, size_t bytes) {
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  static std::unique_ptr<void, Free> bufs[2];
  static size_t sizes[2] = {0, 0};
  if (sizes[which] < bytes) {
    const size_t rounded = (bytes + 4095) / 4096 * 4096;  // aligned_alloc wants a multiple of the alignment
    bufs[which].reset(std::aligned_alloc(4096, rounded));
    if (!bufs[which]) throw std::bad_alloc();
    sizes[which] = rounded;
  }
  return bufs[which].get();
}

/** An activation reorder between the caller's NHWC buffer and a primitive's own layout (held in Scratch(which)). */
struct ActLayout {
  memory::desc prim;
  primitive reorder_;
  int which = 0;
  void init(const memory::desc &u, const memory::desc &p, bool toPrim, int slot) {
    prim = p;
    which = slot;
    reorder_ = toPrim ? reorder(reorder::primitive_desc(cpu(), u, cpu(), p))
                      : reorder(reorder::primitive_desc(cpu(), p, cpu(), u));
  }
  memory buf() const { return memory(prim, cpu(), Scratch(which, prim.get_size())); }
};

struct Fwd {
  convolution_forward prim;
  WeightLayout w;
  /** Winograd primitives read and write oneDNN's blocked layout: the input and output go through these. */
  bool blocked = false;
  ActLayout src, dst;
};

/** Weights the caller will pass again unchanged, kept in each primitive layout they were used in, by id. */
std::unordered_map<int64_t, std::vector<std::pair<memory::desc, memory>>> &packed() {
  static std::unordered_map<int64_t, std::vector<std::pair<memory::desc, memory>>> m;
  return m;
}

/** The weights memory for a forward primitive: the kept copy of weights `id` (made on first use), or a reorder. */
memory FwdWeights(Fwd &p, Buf w, int64_t id) {
  if (id <= 0 || p.w.same) return p.w.in(w);
  auto &layouts = packed()[id];
  for (auto &e : layouts)
    if (e.first == p.w.prim) return e.second;
  memory m(p.w.prim, cpu());
  p.w.reorder_.execute(strm(), {{DNNL_ARG_FROM, Wrap(p.w.user, w)}, {DNNL_ARG_TO, m}});
  layouts.emplace_back(p.w.prim, m);
  return m;
}
struct BwdData {
  convolution_backward_data prim;
  WeightLayout w;
};
struct BwdWeights {
  convolution_backward_weights prim;
  WeightLayout w;
};

template <typename T>
using Cache = std::unordered_map<std::string, std::unique_ptr<T>>;

Fwd &fwd(const Geom &g, bool bias) {
  static Cache<Fwd> cache;
  const bool wino = g.winogradShape();
  auto &e = cache[g.key(wino ? "fwd_wino" : "fwd", bias)];
  if (!e) {
    auto pd = g.fwdPd(bias, g.relu != 0, g.add);
    bool blocked = false;
    if (wino) {
      try {
        pd = g.fwdPd(bias, g.relu != 0, 0, algorithm::convolution_winograd);
        blocked = true;
      } catch (const dnnl::error &) {
        // this CPU or shape has no Winograd kernel: the direct primitive above stays
      }
    }
    e.reset(new Fwd{convolution_forward(pd), {}});
    e->w.init(g.wUser(), pd.weights_desc(), true);
    if (blocked) {
      e->blocked = true;
      e->src.init(g.src(), pd.src_desc(), true, 0);
      e->dst.init(g.dst(), pd.dst_desc(), false, 1);
    }
  }
  return *e;
}

BwdData &bwdData(const Geom &g) {
  static Cache<BwdData> cache;
  auto &e = cache[g.key("bwd_data", false)];
  if (!e) {
    auto hint = g.fwdPd(false, false);
    convolution_backward_data::desc d(algorithm::convolution_direct, g.src(), g.wAny(), g.dst(), g.strides(), g.dil(),
                                      g.padL(), g.padR());
    convolution_backward_data::primitive_desc pd(d, cpu(), hint);
    e.reset(new BwdData{convolution_backward_data(pd), {}});
    e->w.init(g.wUser(), pd.weights_desc(), true);
  }
  return *e;
}

BwdWeights &bwdWeights(const Geom &g) {
  static Cache<BwdWeights> cache;
  auto &e = cache[g.key("bwd_weights", false)];
  if (!e) {
    auto hint = g.fwdPd(false, false);
    convolution_backward_weights::desc d(algorithm::convolution_direct, g.src(), g.bwdWeightsMd(), g.dst(), g.strides(),
                                         g.dil(), g.padL(), g.padR());
    convolution_backward_weights::primitive_desc pd(d, cpu(), hint);
    e.reset(new BwdWeights{convolution_backward_weights(pd), {}});
    e->w.init(g.wUser(), pd.diff_weights_desc(), false);
  }
  return *e;
}

Napi::Value Conv2d(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[4]);
    Buf bias = B(info[2]);
    const int64_t wid = info.Length() > 5 && info[5].IsNumber() ? I64(info[5]) : 0;
    Fwd &p = fwd(g, bias.p != nullptr);
    memory src = Wrap(g.src(), B(info[0])), dst = Wrap(g.dst(), B(info[3]));
    memory srcB = p.blocked ? p.src.buf() : src, dstB = p.blocked ? p.dst.buf() : dst;
    if (p.blocked) p.src.reorder_.execute(strm(), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, srcB}});
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, srcB},
        {DNNL_ARG_WEIGHTS, FwdWeights(p, B(info[1]), wid)},
        {DNNL_ARG_DST, dstB},
    };
    if (bias.p) args[DNNL_ARG_BIAS] = Wrap(g.biasMd(), bias);
    if (g.add) {
      Buf add = B(info[6]);
      if (!add.p) throw std::runtime_error("conv2d: geom asks for an add input and none was given");
      if (g.add == 2 && add.p != B(info[3]).p) throw std::runtime_error("conv2d: an in-place add writes into the add input");
      if (g.add == 1) args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = Wrap(g.dst(), add);
    }
    p.prim.execute(strm(), args);
    if (p.blocked) p.dst.reorder_.execute(strm(), {{DNNL_ARG_FROM, dstB}, {DNNL_ARG_TO, dst}});
    strm().wait();
  });
}

Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[3]);
    BwdData &p = bwdData(g);
    p.prim.execute(strm(), {{DNNL_ARG_DIFF_DST, Wrap(g.dst(), B(info[0]))},
                            {DNNL_ARG_WEIGHTS, p.w.in(B(info[1]))},
                            {DNNL_ARG_DIFF_SRC, Wrap(g.src(), B(info[2]))}});
    strm().wait();
  });
}

Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    Geom g(info[3]);
    BwdWeights &p = bwdWeights(g);
    Buf dw = B(info[2]);
    p.prim.execute(strm(), {{DNNL_ARG_SRC, Wrap(g.src(), B(info[0]))},
                            {DNNL_ARG_DIFF_DST, Wrap(g.dst(), B(info[1]))},
                            {DNNL_ARG_DIFF_WEIGHTS, p.w.target(dw)}});
    p.w.out(dw);
    strm().wait();
  });
}

Napi::Value SetConvWinograd(const Napi::CallbackInfo &info) {
  return Guard(info, [&] { winogradAllowed() = Bool(info[0]); });
}

Napi::Value ReleaseWeights(const Napi::CallbackInfo &info) {
  return Guard(info, [&] { packed().erase(I64(info[0])); });
}

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("setConvWinograd", Napi::Function::New(env, SetConvWinograd));
  exports.Set("releaseWeights", Napi::Function::New(env, ReleaseWeights));
}

}  // namespace rn
