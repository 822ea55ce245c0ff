// Reductions over one contiguous block of axes: x viewed as [A, R, B], out[a, b] = reduce_r x[a, r, b].
//   reduce(op, x, A, R, B, out)   op: 0 sum, 1 mean, 2 max, 3 min; sums accumulate in double
#include "common.h"
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace rn {
namespace {

enum Op { SUM, MEAN, MAX, MIN };

/** Partial reduction of rows [r0, r1) of one [R, B] slab into acc[B]. */
void partial(int op, const float *x, int64_t r0, int64_t r1, int64_t B, double *acc) {
  for (int64_t r = r0; r < r1; r++) {
    const float *row = x + r * B;
    if (op == SUM || op == MEAN) {
      for (int64_t b = 0; b < B; b++) acc[b] += row[b];
    } else if (op == MAX) {
      for (int64_t b = 0; b < B; b++) acc[b] = (row[b] > acc[b] || std::isnan(row[b])) ? row[b] : acc[b];
    } else {
      for (int64_t b = 0; b < B; b++) acc[b] = (row[b] < acc[b] || std::isnan(row[b])) ? row[b] : acc[b];
    }
  }
}

double init(int op) {
  if (op == MAX) return -std::numeric_limits<double>::infinity();
  if (op == MIN) return std::numeric_limits<double>::infinity();
  return 0.0;
}

void combine(int op, double *into, const double *from, int64_t B) {
  for (int64_t b = 0; b < B; b++) {
    if (op == SUM || op == MEAN) into[b] += from[b];
    else if (op == MAX) into[b] = (from[b] > into[b] || std::isnan(from[b])) ? from[b] : into[b];
    else into[b] = (from[b] < into[b] || std::isnan(from[b])) ? from[b] : into[b];
  }
}

void finish(int op, const double *acc, int64_t R, int64_t B, float *out) {
  for (int64_t b = 0; b < B; b++) out[b] = static_cast<float>(op == MEAN ? acc[b] / R : acc[b]);
}

Napi::Value Reduce(const Napi::CallbackInfo &info) {
  return Guard(info, [&] {
    const int op = static_cast<int>(I64(info[0]));
    const float *x = F32(info[1]);
    const int64_t A = I64(info[2]), R = I64(info[3]), B = I64(info[4]);
    float *out = F32(info[5]);
    const bool par = A * R * B >= kParallelMin;
    const int T = par ? omp_get_max_threads() : 1;
    if (A >= T) {
#pragma omp parallel for if (par) schedule(static)
      for (int64_t a = 0; a < A; a++) {
        std::vector<double> acc(B, init(op));
        partial(op, x + a * R * B, 0, R, B, acc.data());
        finish(op, acc.data(), R, B, out + a * B);
      }
      return;
    }
    // few slabs: split each slab's rows over the threads, then combine the partial results
    for (int64_t a = 0; a < A; a++) {
      std::vector<double> parts(static_cast<size_t>(T) * B, init(op));
#pragma omp parallel num_threads(T)
      {
        const int t = omp_get_thread_num();
        const int64_t r0 = R * t / T, r1 = R * (t + 1) / T;
        partial(op, x + a * R * B, r0, r1, B, parts.data() + t * B);
      }
      for (int t = 1; t < T; t++) combine(op, parts.data(), parts.data() + t * B, B);
      finish(op, parts.data(), R, B, out + a * B);
    }
  });
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) { exports.Set("reduce", Napi::Function::New(env, Reduce)); }

}  // namespace rn
