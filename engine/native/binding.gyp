{
  "targets": [
    {
      "target_name": "resdet_native",
      "sources": [
        "src/addon.cc",
        "src/conv.cc",
        "src/batch_norm.cc",
        "src/matmul.cc",
        "src/pool.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/roi.cc",
        "src/copy.cc",
        "src/gather.cc",
        "src/resize_nearest.cc",
        "src/optim.cc",
        "src/boxes.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "/usr/include/oneapi/dnnl"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
