// Shared helpers of resdet's MPI addon: the state of this process's MPI world, MPI error codes as JS
// exceptions, and the request wait that spins briefly, then sleeps (a rank waiting for a slower one — an
// evaluation on rank 0, a longer backward pass — must not take a core from it).
#pragma once
#include <mpi.h>
#include <napi.h>
#include <stdexcept>
#include <string>

namespace rm {

/** This process's world after init(): rank, size, and the ranks and size on this host. */
struct World {
  bool initialized = false;
  bool finalized = false;
  int rank = 0;
  int size = 1;
  int localRank = 0;
  int localSize = 1;
};
World &world();

/** An MPI error code as a C++ exception with MPI's own message. */
struct MpiError : std::runtime_error {
  explicit MpiError(const std::string &what) : std::runtime_error(what) {}
};
void Check(int code, const char *call);

/** Throws unless init() succeeded and finalize() was not called (collectives need a live world). */
void RequireLive(const char *call);

/** Waits for `req`: MPI_Test in a loop for spinMicros, then between tests sleeps growing to 1 ms. */
void Wait(MPI_Request &req, const char *call);

/** Runs f; a C++ exception becomes a JS Error "resdet mpi: …". */
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo &info, F f) {
  try {
    return f();
  } catch (const std::exception &e) {
    Napi::Error::New(info.Env(), std::string("resdet mpi: ") + e.what()).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
}

/** The bytes of any TypedArray / Buffer / DataView argument (in place, no copy). */
struct Bytes {
  char *data = nullptr;
  size_t length = 0;
};
Bytes BytesOf(const Napi::Value &v, const char *what);

void InitWorld(Napi::Env env, Napi::Object exports);        // world.cc: init, finalize, abort, barrier
void InitCollectives(Napi::Env env, Napi::Object exports);  // collectives.cc: allreduce, broadcast, gather

}  // namespace rm
