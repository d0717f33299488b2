// Opens libnvidia-ml with dlopen and resolves each symbol on its own, so one missing entry
// point (an old driver, a stub library) costs one field rather than the whole addon.
#ifndef WSINFER_NVML_LOADER_H_
#define WSINFER_NVML_LOADER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "nvml_api.h"

namespace wsinfer {

// Resolved entry points. Any of them but init may be null; `*Name` says which symbol a
// pointer came from so errors name the call that failed.
struct NvmlSymbols {
  nvmlInit_fn init = nullptr;
  const char* initName = "nvmlInit_v2";
  nvmlShutdown_fn shutdown = nullptr;
  nvmlErrorString_fn errorString = nullptr;
  nvmlSystemGetDriverVersion_fn getDriverVersion = nullptr;
  nvmlDeviceGetCount_fn getCount = nullptr;
  const char* getCountName = "nvmlDeviceGetCount_v2";
  nvmlDeviceGetHandleByIndex_fn getHandleByIndex = nullptr;
  const char* getHandleByIndexName = "nvmlDeviceGetHandleByIndex_v2";
  nvmlDeviceGetString_fn getUuid = nullptr;
  nvmlDeviceGetString_fn getName = nullptr;
  nvmlDeviceGetPciInfo_fn getPciInfo = nullptr;
  nvmlDeviceGetMemoryInfo_v2_fn getMemoryInfoV2 = nullptr;
  nvmlDeviceGetMemoryInfo_fn getMemoryInfo = nullptr;
  nvmlDeviceGetUtilizationRates_fn getUtilizationRates = nullptr;
  nvmlDeviceGetTemperature_fn getTemperature = nullptr;
  nvmlDeviceGetUint_fn getPowerUsage = nullptr;
  nvmlDeviceGetMigMode_fn getMigMode = nullptr;
  nvmlDeviceGetUint_fn getMaxMigDeviceCount = nullptr;
  nvmlDeviceGetMigDeviceHandleByIndex_fn getMigDeviceHandleByIndex = nullptr;
  nvmlDeviceGetUint_fn getGpuInstanceId = nullptr;
  nvmlDeviceGetUint_fn getComputeInstanceId = nullptr;
  nvmlDeviceGetAttributes_fn getAttributes = nullptr;
  // Exactly one of these two is set when the library can list processes.
  nvmlDeviceGetProcesses_v2_fn getProcessesV2 = nullptr;
  nvmlDeviceGetProcesses_v1_fn getProcessesV1 = nullptr;
  const char* getProcessesName = "nvmlDeviceGetComputeRunningProcesses_v3";
};

// One dlopen'd and initialised NVML. Shared by pointer so a snapshot running on the thread
// pool keeps the library initialised even if its addon instance is torn down meanwhile.
class NvmlLibrary {
 public:
  // Returns null and sets *reason when the library cannot be opened or nvmlInit fails.
  static std::shared_ptr<NvmlLibrary> Open(const std::string& path, std::string* reason);
  ~NvmlLibrary();
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;

  std::string ErrorString(nvmlReturn_t code) const;
  const NvmlSymbols& fn() const { return fn_; }

 private:
  NvmlLibrary(void* handle, const NvmlSymbols& symbols) : handle_(handle), fn_(symbols) {}
  void* handle_;
  NvmlSymbols fn_;
};

// Initialised libraries by path, one cache per addon instance. Failures are not cached:
// a driver that appears after start-up (container ordering) is picked up on the next call.
class NvmlLibraryCache {
 public:
  std::shared_ptr<NvmlLibrary> Get(const std::string& path, std::string* reason);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<NvmlLibrary>> libraries_;
};

}  // namespace wsinfer

#endif  // WSINFER_NVML_LOADER_H_
