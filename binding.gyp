{
  "targets": [
    {
      "target_name": "wsinfer_nvml",
      "sources": [
        "native/addon.cc",
        "native/gpu_reading.cc",
        "native/nvml_loader.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api"
      ],
      "defines": [
        "NAPI_VERSION=8",
        # A snapshot that completes while its worker thread is being terminated cannot
        # create JS values; without this node-addon-api turns that into a fatal error.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags_cc": ["-Wall", "-Wextra"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }],
        ["OS=='mac'", {
          "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "MACOSX_DEPLOYMENT_TARGET": "10.15" }
        }],
        ["OS=='win'", {
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17"] } }
        }]
      ]
    },
    {
      # Separate from the NVML addon: a different concern, loaded by every instance's worker.
      "target_name": "wsinfer_heap",
      "sources": ["native/heap_trim.cc"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-Wall", "-Wextra"]
    },
    {
      # Polling threads yield their core on every turn (src/workers/loop-poller.ts).
      "target_name": "wsinfer_yield",
      "sources": ["native/cpu_yield.cc"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-Wall", "-Wextra"]
    }
  ]
}
