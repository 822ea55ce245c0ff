// Waiting for a non-blocking MPI operation without taking a core from the ranks still computing: Open MPI's
// blocking calls poll at full speed, so a rank that reaches an all-reduce early (or waits while rank 0
// evaluates) would spin on a core another rank needs — on a machine with as many ranks as cores, that halves
// the slower rank's speed. Here the request is tested in a tight loop for a short time (the usual case: the
// peers are there and the exchange takes microseconds), then between tests the thread sleeps, from 20 us
// doubling up to 1 ms. RESDET_MPI_SPIN_US sets the spinning time (default 2000).
#include "common.h"
#include <chrono>
#include <cstdlib>
#include <thread>

namespace rm {

static long SpinMicros() {
  static const long us = [] {
    const char *v = std::getenv("RESDET_MPI_SPIN_US");
    long n = v ? std::strtol(v, nullptr, 10) : 2000;
    return n >= 0 ? n : 2000;
  }();
  return us;
}

void Wait(MPI_Request &req, const char *call) {
  using clock = std::chrono::steady_clock;
  const auto spinUntil = clock::now() + std::chrono::microseconds(SpinMicros());
  long sleepUs = 20;
  int done = 0;
  for (;;) {
    Check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), call);
    if (done) return;
    if (clock::now() < spinUntil) continue;
    std::this_thread::sleep_for(std::chrono::microseconds(sleepUs));
    if (sleepUs < 1000) sleepUs *= 2;
  }
}

}  // namespace rm
