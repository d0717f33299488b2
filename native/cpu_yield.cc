// yieldCpu(): let another runnable thread have this core (sched_yield).
//
// A thread that polls for its next batch instead of sleeping holds its core; yielding on
// every polling turn hands that core to any thread waiting for it (the socket thread, a
// client on the same machine) and costs about a microsecond when none waits. Where
// sched_yield does not exist the function returns false and polling goes on without it.
#include <napi.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sched.h>
#endif

namespace {

Napi::Value YieldCpu(const Napi::CallbackInfo& info) {
#if defined(__unix__) || defined(__APPLE__)
  sched_yield();
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("yieldCpu", Napi::Function::New(env, YieldCpu, "yieldCpu"));
  return exports;
}

}  // namespace

NODE_API_MODULE(wsinfer_yield, Init)
