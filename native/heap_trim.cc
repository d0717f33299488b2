// trimHeap(): hand the pages that glibc's malloc holds free back to the kernel.
//
// Loading an onnxruntime session parses the whole model and copies its weights; the
// parse buffers are freed afterwards, but glibc keeps freed memory in the thread's
// malloc arena, so every instance's worker thread stayed that much larger for its whole
// life. malloc_trim(0) releases the free pages of every arena. Elsewhere (macOS, musl)
// there is nothing to call and the function says so by returning false.
#include <cstdlib>
#include <napi.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

Napi::Value TrimHeap(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("trimHeap", Napi::Function::New(env, TrimHeap, "trimHeap"));
  return exports;
}

}  // namespace

NODE_API_MODULE(wsinfer_heap, Init)
