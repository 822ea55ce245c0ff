// resdet's MPI addon (optional, built when Open MPI's libopenmpi-dev is installed): the communication engine
// of data-parallel training and sharded evaluation (engine/distributed/). Everything runs on the JS thread
// (MPI_THREAD_FUNNELED); buffers are the caller's, used in place.
#include "common.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  rm::InitWorld(env, exports);
  rm::InitCollectives(env, exports);
  return exports;
}
NODE_API_MODULE(resdet_mpi, InitAddon)
