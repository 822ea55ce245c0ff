// Batched matrix product on oneDNN (tfjs BatchMatMul / _FusedMatMul), transposes as strides:
//   matmul(a, b, bias|null, out, geom)   geom: Int32Array [batchA, batchB, M, K, N, transA, transB, relu]
// A batch of 1 broadcasts against the other operand's batch. Primitives cached by geometry.
#include "common.h"
#include <algorithm>
#include <memory>

namespace rn {
namespace {

using namespace dnnl;

struct MM {
  matmul prim;
  memory::desc a, b, bias, c;
};

Napi::Value MatMul(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    auto g = info[4].As<Napi::Int32Array>();
    int64_t bA = g[0], bB = g[1], M = g[2], K = g[3], N = g[4], tA = g[5], tB = g[6], relu = g[7];
    Buf bias = B(info[2]);
    static std::unordered_map<std::string, std::unique_ptr<MM>> cache;
    auto &e = cache[Key("mm", {bA, bB, M, K, N, tA, tB, relu, bias.p != nullptr})];
    if (!e) {
      int64_t bO = std::max(bA, bB);
      memory::desc a({bA, M, K}, f32, tA ? dims{K * M, 1, M} : dims{M * K, K, 1});
      memory::desc b({bB, K, N}, f32, tB ? dims{N * K, 1, K} : dims{K * N, N, 1});
      memory::desc c({bO, M, N}, f32, tag::abc);
      memory::desc bm({1, 1, N}, f32, tag::abc);
      primitive_attr attr;
      if (relu) {
        post_ops ops;
        ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      matmul::desc d = bias.p ? matmul::desc(a, b, bm, c) : matmul::desc(a, b, c);
      e.reset(new MM{matmul(matmul::primitive_desc(d, attr, cpu())), a, b, bm, c});
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, Wrap(e->a, B(info[0]))},
                                         {DNNL_ARG_WEIGHTS, Wrap(e->b, B(info[1]))},
                                         {DNNL_ARG_DST, Wrap(e->c, B(info[3]))}};
    if (bias.p) args[DNNL_ARG_BIAS] = Wrap(e->bias, bias);
    e->prim.execute(strm(), args);
    strm().wait();
  });
}

}  // namespace

void InitMatMul(Napi::Env env, Napi::Object exports) { exports.Set("matmul", Napi::Function::New(env, MatMul)); }

}  // namespace rn
