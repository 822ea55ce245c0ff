// Pooling: not native yet (tfjs-cpu's MaxPool / AvgPool and their gradients serve the native backend).
#include "common.h"

namespace rn {
void InitPool(Napi::Env, Napi::Object) {}
}  // namespace rn
