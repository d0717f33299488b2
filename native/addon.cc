// N-API surface of the NVML addon: snapshot() (a promise, NVML runs on the libuv pool),
// snapshotSync() (for the CLI) and close(). Context-aware: every worker thread that loads
// it gets its own instance, library cache and NVML init reference.
#include <napi.h>

#include <memory>
#include <string>
#include <utility>

#include "gpu_reading.h"

namespace wsinfer {

namespace {

#ifdef _WIN32
const char kDefaultLibrary[] = "nvml.dll";
#else
const char kDefaultLibrary[] = "libnvidia-ml.so.1";
#endif

Napi::Value OptionalNumber(Napi::Env env, const std::optional<uint64_t>& value) {
  if (!value) return env.Null();
  return Napi::Number::New(env, static_cast<double>(*value));
}

Napi::Value MemoryToJs(Napi::Env env, const std::optional<MemoryReading>& memory) {
  if (!memory) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("totalBytes", Napi::Number::New(env, static_cast<double>(memory->totalBytes)));
  o.Set("usedBytes", Napi::Number::New(env, static_cast<double>(memory->usedBytes)));
  o.Set("freeBytes", Napi::Number::New(env, static_cast<double>(memory->freeBytes)));
  o.Set("reservedBytes", OptionalNumber(env, memory->reservedBytes));
  return o;
}

Napi::Value ProcessesToJs(Napi::Env env, const std::optional<std::vector<ProcessReading>>& processes) {
  if (!processes) return env.Null();
  Napi::Array list = Napi::Array::New(env, processes->size());
  for (size_t i = 0; i < processes->size(); ++i) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("pid", Napi::Number::New(env, (*processes)[i].pid));
    p.Set("usedMemoryBytes", OptionalNumber(env, (*processes)[i].usedMemoryBytes));
    list.Set(static_cast<uint32_t>(i), p);
  }
  return list;
}

Napi::Value OptionalUint(Napi::Env env, const std::optional<unsigned int>& value) {
  return value ? Napi::Number::New(env, *value) : env.Null();
}

Napi::Value OptionalString(Napi::Env env, const std::optional<std::string>& value) {
  return value ? Napi::String::New(env, *value) : env.Null();
}

Napi::Object MigToJs(Napi::Env env, const MigReading& mig) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, mig.index));
  o.Set("uuid", Napi::String::New(env, mig.uuid));
  o.Set("gpuInstanceId", OptionalUint(env, mig.gpuInstanceId));
  o.Set("computeInstanceId", OptionalUint(env, mig.computeInstanceId));
  o.Set("memory", MemoryToJs(env, mig.memory));
  if (mig.attributes) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("gpuInstanceSliceCount", Napi::Number::New(env, mig.attributes->gpuInstanceSliceCount));
    a.Set("computeInstanceSliceCount", Napi::Number::New(env, mig.attributes->computeInstanceSliceCount));
    a.Set("multiprocessorCount", Napi::Number::New(env, mig.attributes->multiprocessorCount));
    a.Set("memorySizeMB", Napi::Number::New(env, static_cast<double>(mig.attributes->memorySizeMB)));
    o.Set("attributes", a);
  } else {
    o.Set("attributes", env.Null());
  }
  o.Set("processes", ProcessesToJs(env, mig.processes));
  return o;
}

Napi::Object DeviceToJs(Napi::Env env, const DeviceReading& device) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, device.index));
  o.Set("uuid", Napi::String::New(env, device.uuid));
  o.Set("name", OptionalString(env, device.name));
  o.Set("pciBusId", OptionalString(env, device.pciBusId));
  o.Set("memory", MemoryToJs(env, device.memory));
  if (device.utilization) {
    Napi::Object u = Napi::Object::New(env);
    u.Set("gpuPercent", Napi::Number::New(env, device.utilization->gpuPercent));
    u.Set("memoryPercent", Napi::Number::New(env, device.utilization->memoryPercent));
    o.Set("utilization", u);
  } else {
    o.Set("utilization", env.Null());
  }
  o.Set("temperatureC", OptionalUint(env, device.temperatureC));
  o.Set("powerWatts", device.powerWatts ? Napi::Number::New(env, *device.powerWatts) : env.Null());
  Napi::Object mig = Napi::Object::New(env);
  mig.Set("current", Napi::Boolean::New(env, device.migCurrent));
  mig.Set("pending", Napi::Boolean::New(env, device.migPending));
  o.Set("mig", mig);
  Napi::Array migDevices = Napi::Array::New(env, device.migDevices.size());
  for (size_t i = 0; i < device.migDevices.size(); ++i) {
    migDevices.Set(static_cast<uint32_t>(i), MigToJs(env, device.migDevices[i]));
  }
  o.Set("migDevices", migDevices);
  o.Set("processes", ProcessesToJs(env, device.processes));
  return o;
}

Napi::Object SnapshotToJs(Napi::Env env, const SnapshotReading& reading) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", Napi::Boolean::New(env, reading.available));
  if (!reading.available) o.Set("reason", Napi::String::New(env, reading.reason));
  o.Set("driverVersion", OptionalString(env, reading.driverVersion));
  Napi::Array devices = Napi::Array::New(env, reading.devices.size());
  for (size_t i = 0; i < reading.devices.size(); ++i) {
    devices.Set(static_cast<uint32_t>(i), DeviceToJs(env, reading.devices[i]));
  }
  o.Set("devices", devices);
  Napi::Array errors = Napi::Array::New(env, reading.errors.size());
  for (size_t i = 0; i < reading.errors.size(); ++i) {
    const ReadingError& e = reading.errors[i];
    Napi::Object eo = Napi::Object::New(env);
    eo.Set("deviceIndex", e.deviceIndex >= 0 ? Napi::Number::New(env, e.deviceIndex) : env.Null());
    eo.Set("migIndex", e.migIndex >= 0 ? Napi::Number::New(env, e.migIndex) : env.Null());
    eo.Set("call", Napi::String::New(env, e.call));
    eo.Set("code", Napi::Number::New(env, e.code));
    eo.Set("message", Napi::String::New(env, e.message));
    errors.Set(static_cast<uint32_t>(i), eo);
  }
  o.Set("errors", errors);
  return o;
}

// The first argument, when a non-empty string, replaces the default library name.
std::string LibraryPath(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    if (!path.empty()) return path;
  }
  return kDefaultLibrary;
}

class SnapshotWorker : public Napi::AsyncWorker {
 public:
  SnapshotWorker(Napi::Env env, std::shared_ptr<NvmlLibraryCache> cache, std::string path)
      : Napi::AsyncWorker(env, "wsinfer:nvml-snapshot"),
        deferred_(Napi::Promise::Deferred::New(env)),
        cache_(std::move(cache)),
        path_(std::move(path)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // Pool thread: NVML calls block for milliseconds (seconds for a first nvmlInit without
  // persistence mode), which must not stall the event loop.
  void Execute() override { reading_ = ReadSnapshot(*cache_, path_); }

  void OnOK() override { deferred_.Resolve(SnapshotToJs(Env(), reading_)); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<NvmlLibraryCache> cache_;  // keeps NVML initialised while this runs
  std::string path_;
  SnapshotReading reading_;
};

class NvmlAddon : public Napi::Addon<NvmlAddon> {
 public:
  NvmlAddon(Napi::Env env, Napi::Object exports) : cache_(std::make_shared<NvmlLibraryCache>()) {
    DefineAddon(exports, {
                             InstanceMethod("snapshot", &NvmlAddon::Snapshot),
                             InstanceMethod("snapshotSync", &NvmlAddon::SnapshotSync),
                             InstanceMethod("close", &NvmlAddon::Close),
                             InstanceValue("defaultLibrary", Napi::String::New(env, kDefaultLibrary)),
                         });
  }
  // Instance cleanup (process exit, worker exit) drops the cache; the last holder of each
  // library calls nvmlShutdown.

 private:
  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    SnapshotWorker* worker = new SnapshotWorker(info.Env(), cache_, LibraryPath(info));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  Napi::Value SnapshotSync(const Napi::CallbackInfo& info) {
    return SnapshotToJs(info.Env(), ReadSnapshot(*cache_, LibraryPath(info)));
  }

  // Releases this instance's NVML references now; a later snapshot initialises again.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    cache_ = std::make_shared<NvmlLibraryCache>();
    return info.Env().Undefined();
  }

  std::shared_ptr<NvmlLibraryCache> cache_;
};

}  // namespace

}  // namespace wsinfer

// The macro pastes the class name into identifiers, so it needs an unqualified name.
using wsinfer::NvmlAddon;
NODE_API_ADDON(NvmlAddon)
