// One snapshot of every GPU as plain C++ values: taken on a libuv pool thread (no N-API
// calls allowed there) and turned into JS objects back on the JS thread.
#ifndef WSINFER_GPU_READING_H_
#define WSINFER_GPU_READING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nvml_loader.h"

namespace wsinfer {

struct MemoryReading {
  uint64_t totalBytes = 0;
  uint64_t usedBytes = 0;
  uint64_t freeBytes = 0;
  std::optional<uint64_t> reservedBytes;  // only nvmlDeviceGetMemoryInfo_v2 reports it
};

struct UtilizationReading {
  unsigned int gpuPercent = 0;
  unsigned int memoryPercent = 0;
};

struct ProcessReading {
  unsigned int pid = 0;
  std::optional<uint64_t> usedMemoryBytes;  // unset when NVML cannot attribute memory
};

struct MigReading {
  unsigned int index = 0;
  std::string uuid;
  std::optional<unsigned int> gpuInstanceId;
  std::optional<unsigned int> computeInstanceId;
  std::optional<MemoryReading> memory;
  std::optional<nvmlDeviceAttributes_t> attributes;  // slice counts and size, for the profile name
  std::optional<std::vector<ProcessReading>> processes;
};

struct DeviceReading {
  unsigned int index = 0;
  std::string uuid;
  std::optional<std::string> name;
  std::optional<std::string> pciBusId;
  std::optional<MemoryReading> memory;
  std::optional<UtilizationReading> utilization;
  std::optional<unsigned int> temperatureC;
  std::optional<double> powerWatts;
  bool migCurrent = false;
  bool migPending = false;
  std::vector<MigReading> migDevices;
  std::optional<std::vector<ProcessReading>> processes;
};

// A call that failed with something other than "not supported"; the field it fed is unset.
struct ReadingError {
  int deviceIndex = -1;  // -1: not about one device
  int migIndex = -1;     // -1: not about a MIG device
  std::string call;
  nvmlReturn_t code = NVML_SUCCESS;
  std::string message;
};

struct SnapshotReading {
  bool available = false;
  std::string reason;
  std::optional<std::string> driverVersion;
  std::vector<DeviceReading> devices;
  std::vector<ReadingError> errors;
};

// Opens (or reuses) the library at `path` through `cache` and reads every device.
SnapshotReading ReadSnapshot(NvmlLibraryCache& cache, const std::string& path);

}  // namespace wsinfer

#endif  // WSINFER_GPU_READING_H_
