// The MPI world of this process: init from the launcher's environment (mpirun, srun), rank and size (and the
// ranks on this host, for dividing its cores), a barrier, finalize, and abort (which ends every rank of the
// job: the way a failing rank takes the job down instead of leaving the others waiting).
#include "common.h"
#include <dlfcn.h>

namespace rm {

World &world() {
  static World w;
  return w;
}

void Check(int code, const char *call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  throw MpiError(std::string(call) + " failed: " + std::string(text, len));
}

void RequireLive(const char *call) {
  if (!world().initialized) throw MpiError(std::string(call) + ": MPI is not initialised (call init first)");
  if (world().finalized) throw MpiError(std::string(call) + ": MPI was finalised");
}

/**
 * Node loads addons with RTLD_LOCAL, so the plugins Open MPI opens at init (its MCA components) would not
 * find libmpi's symbols; reopening the library already loaded with RTLD_GLOBAL makes them visible.
 */
static void ExposeLibmpi() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&MPI_Init_thread), &info) && info.dli_fname)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

static Napi::Value Info(Napi::Env env) {
  const World &w = world();
  auto o = Napi::Object::New(env);
  o.Set("rank", w.rank);
  o.Set("size", w.size);
  o.Set("localRank", w.localRank);
  o.Set("localSize", w.localSize);
  char lib[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(lib, &len);
  std::string v(lib, len);
  o.Set("library", v.substr(0, v.find(',')));
  return o;
}

/** The ranks sharing this host: a communicator split by shared memory. */
static void LocalRanks(World &w) {
  MPI_Comm local;
  Check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
  MPI_Comm_rank(local, &w.localRank);
  MPI_Comm_size(local, &w.localSize);
  MPI_Comm_free(&local);
}

static Napi::Value Init(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    World &w = world();
    if (w.finalized) throw MpiError("init: MPI was already finalised in this process");
    if (!w.initialized) {
      ExposeLibmpi();
      int provided = 0;
      Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      // errors come back as codes (then JS exceptions); a rank that dies still ends the job: the launcher
      // kills the others, and a JS error exits through abort()
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
      MPI_Comm_size(MPI_COMM_WORLD, &w.size);
      LocalRanks(w);
      w.initialized = true;
    }
    return Info(info.Env());
  });
}

static Napi::Value Barrier(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    RequireLive("barrier");
    MPI_Request req;
    Check(MPI_Ibarrier(MPI_COMM_WORLD, &req), "MPI_Ibarrier");
    Wait(req, "MPI_Ibarrier");
    return info.Env().Undefined();
  });
}

/** A sleeping barrier, then MPI_Finalize; a second call does nothing. */
static Napi::Value Finalize(const Napi::CallbackInfo &info) {
  return Guard(info, [&]() -> Napi::Value {
    World &w = world();
    if (!w.initialized || w.finalized) return info.Env().Undefined();
    MPI_Request req;
    Check(MPI_Ibarrier(MPI_COMM_WORLD, &req), "MPI_Ibarrier");
    Wait(req, "MPI_Ibarrier");
    w.finalized = true;
    Check(MPI_Finalize(), "MPI_Finalize");
    return info.Env().Undefined();
  });
}

/** Ends every rank of the job with `code` (MPI_Abort does not return). */
static Napi::Value Abort(const Napi::CallbackInfo &info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (world().initialized && !world().finalized) MPI_Abort(MPI_COMM_WORLD, code);
  return info.Env().Undefined();
}

static Napi::Value State(const Napi::CallbackInfo &info) {
  const World &w = world();
  return Napi::String::New(info.Env(), w.finalized ? "finalized" : w.initialized ? "live" : "uninitialized");
}

void InitWorld(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("barrier", Napi::Function::New(env, Barrier));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("state", Napi::Function::New(env, State));
}

}  // namespace rm
