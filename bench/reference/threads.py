"""Thread limits for the reference scripts: call before torch (or numpy) is imported — their OpenMP / BLAS pools
read these variables once, when they load."""
import os


def limit_threads(n):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(n)
