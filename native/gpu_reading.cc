#include "gpu_reading.h"

#include <map>

namespace wsinfer {

namespace {

// Processes may start between the sizing call and the filling call; a few retries with
// headroom settle it without looping forever on a busy GPU.
constexpr int kProcessListAttempts = 4;
constexpr unsigned int kProcessListHeadroom = 16;

class Reader {
 public:
  Reader(const NvmlLibrary& library, SnapshotReading& out) : lib_(library), fn_(library.fn()), out_(out) {}

  void ReadAll() {
    if (fn_.getDriverVersion != nullptr) {
      char version[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {0};
      if (Ok(fn_.getDriverVersion(version, sizeof version), "nvmlSystemGetDriverVersion")) {
        out_.driverVersion = std::string(version);
      }
    }
    if (fn_.getCount == nullptr || fn_.getHandleByIndex == nullptr) {
      out_.available = false;
      out_.reason = "the NVML library cannot enumerate devices (no nvmlDeviceGetCount/GetHandleByIndex)";
      return;
    }
    unsigned int count = 0;
    nvmlReturn_t rc = fn_.getCount(&count);
    if (rc != NVML_SUCCESS) {
      // Nothing can be enumerated: a snapshot with zero devices would read as "no GPUs".
      out_.available = false;
      out_.reason = std::string(fn_.getCountName) + " failed: " + lib_.ErrorString(rc);
      return;
    }
    out_.available = true;
    for (unsigned int i = 0; i < count; ++i) ReadDevice(i);
  }

 private:
  // True on success. "Not supported" and "function not found" are answers, not errors: the
  // field stays unset silently. Anything else also unsets the field but is reported.
  bool Ok(nvmlReturn_t rc, const char* call, int device = -1, int mig = -1) {
    if (rc == NVML_SUCCESS) return true;
    if (rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_FUNCTION_NOT_FOUND) return false;
    Fail(rc, call, device, mig);
    return false;
  }

  void Fail(nvmlReturn_t rc, const std::string& call, int device, int mig) {
    ReadingError error;
    error.deviceIndex = device;
    error.migIndex = mig;
    error.call = call;
    error.code = rc;
    error.message = lib_.ErrorString(rc);
    out_.errors.push_back(error);
  }

  // Every device and MIG device is identified by its UUID (CUDA_VISIBLE_DEVICES takes it,
  // placement keys on it), so one without a readable UUID is skipped and reported.
  bool ReadUuid(nvmlDevice_t handle, std::string* uuid, int device, int mig) {
    if (fn_.getUuid == nullptr) {
      Fail(NVML_ERROR_FUNCTION_NOT_FOUND, "nvmlDeviceGetUUID", device, mig);
      return false;
    }
    char buffer[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {0};
    nvmlReturn_t rc = fn_.getUuid(handle, buffer, sizeof buffer);
    if (rc != NVML_SUCCESS) {
      Fail(rc, "nvmlDeviceGetUUID", device, mig);
      return false;
    }
    *uuid = buffer;
    return true;
  }

  std::optional<MemoryReading> ReadMemory(nvmlDevice_t handle, int device, int mig) {
    if (fn_.getMemoryInfoV2 != nullptr) {
      nvmlMemory_v2_t m{};
      m.version = nvmlMemory_v2;
      nvmlReturn_t rc = fn_.getMemoryInfoV2(handle, &m);
      if (rc == NVML_SUCCESS) {
        MemoryReading r;
        r.totalBytes = m.total;
        r.usedBytes = m.used;
        r.freeBytes = m.free;
        r.reservedBytes = m.reserved;
        return r;
      }
      // Drivers that export the symbol but reject the struct version fall back like those
      // that lack it; other failures are real and reported.
      if (rc != NVML_ERROR_NOT_SUPPORTED && rc != NVML_ERROR_FUNCTION_NOT_FOUND &&
          rc != 25 /* NVML_ERROR_ARGUMENT_VERSION_MISMATCH */) {
        Fail(rc, "nvmlDeviceGetMemoryInfo_v2", device, mig);
        return std::nullopt;
      }
    }
    if (fn_.getMemoryInfo == nullptr) return std::nullopt;
    nvmlMemory_t m{};
    if (!Ok(fn_.getMemoryInfo(handle, &m), "nvmlDeviceGetMemoryInfo", device, mig)) return std::nullopt;
    MemoryReading r;
    r.totalBytes = m.total;
    r.usedBytes = m.used;
    r.freeBytes = m.free;
    return r;
  }

  template <typename Info, typename Fn>
  std::optional<std::vector<ProcessReading>> ReadProcessList(Fn fn, nvmlDevice_t handle, nvmlReturn_t* failure) {
    std::vector<Info> infos(kProcessListHeadroom);
    for (int attempt = 0; attempt < kProcessListAttempts; ++attempt) {
      unsigned int n = static_cast<unsigned int>(infos.size());
      nvmlReturn_t rc = fn(handle, &n, infos.data());
      if (rc == NVML_ERROR_INSUFFICIENT_SIZE) {
        infos.resize(n + kProcessListHeadroom);
        continue;
      }
      if (rc != NVML_SUCCESS) {
        *failure = rc;
        return std::nullopt;
      }
      std::vector<ProcessReading> list;
      for (unsigned int k = 0; k < n && k < infos.size(); ++k) {
        ProcessReading p;
        p.pid = infos[k].pid;
        if (infos[k].usedGpuMemory != NVML_VALUE_NOT_AVAILABLE_ULL) p.usedMemoryBytes = infos[k].usedGpuMemory;
        list.push_back(p);
      }
      return list;
    }
    *failure = NVML_ERROR_INSUFFICIENT_SIZE;
    return std::nullopt;
  }

  // Leaves *failure set instead of reporting, so the caller decides whether it matters.
  std::optional<std::vector<ProcessReading>> ReadProcesses(nvmlDevice_t handle, nvmlReturn_t* failure) {
    *failure = NVML_ERROR_FUNCTION_NOT_FOUND;
    if (fn_.getProcessesV2 != nullptr) {
      return ReadProcessList<nvmlProcessInfo_v2_t>(fn_.getProcessesV2, handle, failure);
    }
    if (fn_.getProcessesV1 != nullptr) {
      return ReadProcessList<nvmlProcessInfo_v1_t>(fn_.getProcessesV1, handle, failure);
    }
    return std::nullopt;
  }

  // `withProcesses`: also list each instance's processes (only needed when the parent's
  // list was refused).
  void ReadMigDevices(nvmlDevice_t parent, DeviceReading& device, bool withProcesses) {
    int d = static_cast<int>(device.index);
    if (fn_.getMaxMigDeviceCount == nullptr || fn_.getMigDeviceHandleByIndex == nullptr) return;
    unsigned int max = 0;
    if (!Ok(fn_.getMaxMigDeviceCount(parent, &max), "nvmlDeviceGetMaxMigDeviceCount", d)) return;
    for (unsigned int j = 0; j < max; ++j) {
      int m = static_cast<int>(j);
      nvmlDevice_t handle = nullptr;
      nvmlReturn_t rc = fn_.getMigDeviceHandleByIndex(parent, j, &handle);
      if (rc == NVML_ERROR_NOT_FOUND) continue;  // an empty slot: instances need not be contiguous
      if (rc != NVML_SUCCESS) {
        Fail(rc, "nvmlDeviceGetMigDeviceHandleByIndex", d, m);
        continue;
      }
      MigReading mig;
      mig.index = j;
      if (!ReadUuid(handle, &mig.uuid, d, m)) continue;
      unsigned int id = 0;
      if (fn_.getGpuInstanceId != nullptr && Ok(fn_.getGpuInstanceId(handle, &id), "nvmlDeviceGetGpuInstanceId", d, m)) {
        mig.gpuInstanceId = id;
      }
      if (fn_.getComputeInstanceId != nullptr &&
          Ok(fn_.getComputeInstanceId(handle, &id), "nvmlDeviceGetComputeInstanceId", d, m)) {
        mig.computeInstanceId = id;
      }
      mig.memory = ReadMemory(handle, d, m);
      nvmlDeviceAttributes_t attributes{};
      if (fn_.getAttributes != nullptr && Ok(fn_.getAttributes(handle, &attributes), "nvmlDeviceGetAttributes_v2", d, m)) {
        mig.attributes = attributes;
      }
      nvmlReturn_t failure = NVML_SUCCESS;
      if (withProcesses) mig.processes = ReadProcesses(handle, &failure);
      device.migDevices.push_back(mig);
    }
  }

  void ReadDevice(unsigned int index) {
    int d = static_cast<int>(index);
    nvmlDevice_t handle = nullptr;
    nvmlReturn_t rc = fn_.getHandleByIndex(index, &handle);
    if (rc != NVML_SUCCESS) {
      // One bad GPU (fallen off the bus, no permission) must not hide the healthy ones: skip
      // it, keep `available`, and say why in `errors`. Indices of the others are unchanged.
      Fail(rc, fn_.getHandleByIndexName, d, -1);
      return;
    }
    DeviceReading device;
    device.index = index;
    if (!ReadUuid(handle, &device.uuid, d, -1)) return;

    if (fn_.getName != nullptr) {
      char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {0};
      if (Ok(fn_.getName(handle, name, sizeof name), "nvmlDeviceGetName", d)) device.name = std::string(name);
    }
    if (fn_.getPciInfo != nullptr) {
      nvmlPciInfo_t pci{};
      if (Ok(fn_.getPciInfo(handle, &pci), "nvmlDeviceGetPciInfo_v3", d)) device.pciBusId = std::string(pci.busId);
    }
    device.memory = ReadMemory(handle, d, -1);
    if (fn_.getUtilizationRates != nullptr) {
      // NVML answers NOT_SUPPORTED here on MIG-enabled GPUs, which leaves it unset.
      nvmlUtilization_t u{};
      if (Ok(fn_.getUtilizationRates(handle, &u), "nvmlDeviceGetUtilizationRates", d)) {
        device.utilization = UtilizationReading{u.gpu, u.memory};
      }
    }
    unsigned int value = 0;
    if (fn_.getTemperature != nullptr &&
        Ok(fn_.getTemperature(handle, NVML_TEMPERATURE_GPU, &value), "nvmlDeviceGetTemperature", d)) {
      device.temperatureC = value;
    }
    if (fn_.getPowerUsage != nullptr && Ok(fn_.getPowerUsage(handle, &value), "nvmlDeviceGetPowerUsage", d)) {
      device.powerWatts = value / 1000.0;  // NVML reports milliwatts
    }
    unsigned int current = 0, pending = 0;
    if (fn_.getMigMode != nullptr && Ok(fn_.getMigMode(handle, &current, &pending), "nvmlDeviceGetMigMode", d)) {
      device.migCurrent = current == NVML_DEVICE_MIG_ENABLE;
      device.migPending = pending == NVML_DEVICE_MIG_ENABLE;
    }
    nvmlReturn_t failure = NVML_SUCCESS;
    device.processes = ReadProcesses(handle, &failure);
    if (device.migCurrent) ReadMigDevices(handle, device, !device.processes);
    if (!device.processes && device.migCurrent && !device.migDevices.empty()) {
      // On a MIG GPU the parent handle lists processes only for privileged callers; the
      // per-instance lists need no privilege, so their union stands in for it.
      std::vector<ProcessReading> merged;
      std::map<unsigned int, size_t> byPid;
      bool complete = true;
      for (const MigReading& mig : device.migDevices) {
        if (!mig.processes) {
          complete = false;
          break;
        }
        for (const ProcessReading& p : *mig.processes) {
          auto found = byPid.find(p.pid);
          if (found == byPid.end()) {
            byPid.emplace(p.pid, merged.size());
            merged.push_back(p);
          } else if (merged[found->second].usedMemoryBytes && p.usedMemoryBytes) {
            *merged[found->second].usedMemoryBytes += *p.usedMemoryBytes;
          } else {
            merged[found->second].usedMemoryBytes.reset();
          }
        }
      }
      if (complete) {
        device.processes = merged;
        failure = NVML_SUCCESS;
      }
    }
    if (!device.processes && failure != NVML_SUCCESS) Ok(failure, fn_.getProcessesName, d);
    out_.devices.push_back(device);
  }

  const NvmlLibrary& lib_;
  const NvmlSymbols& fn_;
  SnapshotReading& out_;
};

}  // namespace

SnapshotReading ReadSnapshot(NvmlLibraryCache& cache, const std::string& path) {
  SnapshotReading out;
  std::string reason;
  std::shared_ptr<NvmlLibrary> library = cache.Get(path, &reason);
  if (!library) {
    out.available = false;
    out.reason = reason;
    return out;
  }
  Reader(*library, out).ReadAll();
  return out;
}

}  // namespace wsinfer
