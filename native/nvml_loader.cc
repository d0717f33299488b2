#include "nvml_loader.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace wsinfer {

namespace {

// The three loader calls, so the rest reads the same on Linux and Windows (nvml.dll).
#ifdef _WIN32
void* OpenShared(const std::string& path, std::string* error) {
  HMODULE module = LoadLibraryA(path.c_str());
  if (module == nullptr) *error = path + ": LoadLibrary failed with error " + std::to_string(GetLastError());
  return reinterpret_cast<void*>(module);
}
void* FindSymbol(void* handle, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(handle), name));
}
void CloseShared(void* handle) { FreeLibrary(reinterpret_cast<HMODULE>(handle)); }
#else
void* OpenShared(const std::string& path, std::string* error) {
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* text = dlerror();
    *error = text != nullptr ? text : ("cannot open " + path);
  }
  return handle;
}
void* FindSymbol(void* handle, const char* name) { return dlsym(handle, name); }
void CloseShared(void* handle) { dlclose(handle); }
#endif

template <typename Fn>
Fn Symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(FindSymbol(handle, name));
}

// Versioned names first: the unsuffixed ones are kept by the driver only for binaries built
// against old headers and may have older struct layouts or semantics.
template <typename Fn>
Fn FirstSymbol(void* handle, const char* const* names, const char** chosen) {
  for (; *names != nullptr; ++names) {
    Fn fn = Symbol<Fn>(handle, *names);
    if (fn != nullptr) {
      if (chosen != nullptr) *chosen = *names;
      return fn;
    }
  }
  return nullptr;
}

NvmlSymbols Resolve(void* h) {
  NvmlSymbols s;
  static const char* const kInit[] = {"nvmlInit_v2", "nvmlInit", nullptr};
  s.init = FirstSymbol<nvmlInit_fn>(h, kInit, &s.initName);
  s.shutdown = Symbol<nvmlShutdown_fn>(h, "nvmlShutdown");
  s.errorString = Symbol<nvmlErrorString_fn>(h, "nvmlErrorString");
  s.getDriverVersion = Symbol<nvmlSystemGetDriverVersion_fn>(h, "nvmlSystemGetDriverVersion");
  static const char* const kCount[] = {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", nullptr};
  s.getCount = FirstSymbol<nvmlDeviceGetCount_fn>(h, kCount, &s.getCountName);
  static const char* const kHandle[] = {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex",
                                        nullptr};
  s.getHandleByIndex = FirstSymbol<nvmlDeviceGetHandleByIndex_fn>(h, kHandle, &s.getHandleByIndexName);
  s.getUuid = Symbol<nvmlDeviceGetString_fn>(h, "nvmlDeviceGetUUID");
  s.getName = Symbol<nvmlDeviceGetString_fn>(h, "nvmlDeviceGetName");
  s.getPciInfo = Symbol<nvmlDeviceGetPciInfo_fn>(h, "nvmlDeviceGetPciInfo_v3");
  s.getMemoryInfoV2 = Symbol<nvmlDeviceGetMemoryInfo_v2_fn>(h, "nvmlDeviceGetMemoryInfo_v2");
  s.getMemoryInfo = Symbol<nvmlDeviceGetMemoryInfo_fn>(h, "nvmlDeviceGetMemoryInfo");
  s.getUtilizationRates = Symbol<nvmlDeviceGetUtilizationRates_fn>(h, "nvmlDeviceGetUtilizationRates");
  s.getTemperature = Symbol<nvmlDeviceGetTemperature_fn>(h, "nvmlDeviceGetTemperature");
  s.getPowerUsage = Symbol<nvmlDeviceGetUint_fn>(h, "nvmlDeviceGetPowerUsage");
  s.getMigMode = Symbol<nvmlDeviceGetMigMode_fn>(h, "nvmlDeviceGetMigMode");
  s.getMaxMigDeviceCount = Symbol<nvmlDeviceGetUint_fn>(h, "nvmlDeviceGetMaxMigDeviceCount");
  s.getMigDeviceHandleByIndex =
      Symbol<nvmlDeviceGetMigDeviceHandleByIndex_fn>(h, "nvmlDeviceGetMigDeviceHandleByIndex");
  s.getGpuInstanceId = Symbol<nvmlDeviceGetUint_fn>(h, "nvmlDeviceGetGpuInstanceId");
  s.getComputeInstanceId = Symbol<nvmlDeviceGetUint_fn>(h, "nvmlDeviceGetComputeInstanceId");
  static const char* const kAttributes[] = {"nvmlDeviceGetAttributes_v2", "nvmlDeviceGetAttributes", nullptr};
  s.getAttributes = FirstSymbol<nvmlDeviceGetAttributes_fn>(h, kAttributes, nullptr);
  // _v3 and _v2 fill the same nvmlProcessInfo_v2_t; the unsuffixed one the shorter v1 struct.
  static const char* const kProcesses[] = {"nvmlDeviceGetComputeRunningProcesses_v3",
                                           "nvmlDeviceGetComputeRunningProcesses_v2", nullptr};
  s.getProcessesV2 = FirstSymbol<nvmlDeviceGetProcesses_v2_fn>(h, kProcesses, &s.getProcessesName);
  if (s.getProcessesV2 == nullptr) {
    s.getProcessesV1 = Symbol<nvmlDeviceGetProcesses_v1_fn>(h, "nvmlDeviceGetComputeRunningProcesses");
    s.getProcessesName = "nvmlDeviceGetComputeRunningProcesses";
  }
  return s;
}

std::string DescribeError(const NvmlSymbols& s, nvmlReturn_t code) {
  const char* text = s.errorString != nullptr ? s.errorString(code) : nullptr;
  if (text != nullptr) return text;
  return "NVML error " + std::to_string(code);
}

}  // namespace

std::shared_ptr<NvmlLibrary> NvmlLibrary::Open(const std::string& path, std::string* reason) {
  void* handle = OpenShared(path, reason);
  if (handle == nullptr) return nullptr;
  NvmlSymbols symbols = Resolve(handle);
  if (symbols.init == nullptr) {
    *reason = path + " exports neither nvmlInit_v2 nor nvmlInit";
    CloseShared(handle);
    return nullptr;
  }
  nvmlReturn_t rc = symbols.init();
  if (rc != NVML_SUCCESS) {
    *reason = std::string(symbols.initName) + " failed: " + DescribeError(symbols, rc);
    CloseShared(handle);
    return nullptr;
  }
  return std::shared_ptr<NvmlLibrary>(new NvmlLibrary(handle, symbols));
}

NvmlLibrary::~NvmlLibrary() {
  // NVML counts nvmlInit calls; this releases only our reference. The handle is not
  // closed: unmapping a driver library that other threads of the process may still use
  // (another worker's addon instance, onnxruntime's CUDA EP) buys nothing and risks a crash.
  if (fn_.shutdown != nullptr) fn_.shutdown();
  (void)handle_;
}

std::string NvmlLibrary::ErrorString(nvmlReturn_t code) const { return DescribeError(fn_, code); }

std::shared_ptr<NvmlLibrary> NvmlLibraryCache::Get(const std::string& path, std::string* reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = libraries_.find(path);
  if (found != libraries_.end()) return found->second;
  std::shared_ptr<NvmlLibrary> library = NvmlLibrary::Open(path, reason);
  if (library) libraries_.emplace(path, library);
  return library;
}

}  // namespace wsinfer
