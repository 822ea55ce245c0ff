{
  "targets": [
    {
      "target_name": "resdet_mpi",
      "sources": ["src/addon.cc", "src/world.cc", "src/collectives.cc", "src/wait.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(mpicc --showme:incdirs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "OMPI_SKIP_MPICXX=1"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "libraries": ["<!@(mpicc --showme:link)", "-ldl"]
    }
  ]
}
