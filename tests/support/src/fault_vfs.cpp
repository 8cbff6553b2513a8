#include "accord/testing/fault_vfs.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace accord::testing {
namespace {

struct PreImage {
  sqlite3_int64 offset = 0;
  std::string bytes;  // what was there before (only the part inside the file then)
};

struct Tracked {
  sqlite3_int64 synced_size = 0;  // the file's size at its last xSync
  bool created_unsynced = false;  // created through the shim and never synced: the name goes
  std::vector<PreImage> undo;     // since the last xSync, oldest first
};

struct State {
  std::mutex mu;
  std::map<std::string, Tracked> files;  // by the full path SQLite opened
  std::vector<std::string> databases;    // main databases seen: their -shm goes at revert
  bool cut = false;
  std::int64_t cut_at_write = 0;  // 0: not armed; else the value of `writes` that cuts
  std::int64_t cut_at_sync = 0;
  std::int64_t writes = 0;
  std::int64_t syncs = 0;
  std::function<void()> hook;
};

State& state() {
  static State* s = new State();  // never destroyed: SQLite may call in during exit
  return *s;
}

sqlite3_vfs* root_vfs = nullptr;  // the default VFS, set once at registration

// Under state().mu.
void cut_now(State& s) {
  if (s.cut) return;
  s.cut = true;
  if (s.hook) s.hook();
}

struct ShimFile {
  sqlite3_file base;  // first: SQLite sees a ShimFile* as its sqlite3_file*
  sqlite3_file* real;
  std::string* path;  // nullptr: not tracked (temp files, -shm handled apart)
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<ShimFile*>(f)->real;
}

constexpr std::size_t kShimSize = (sizeof(ShimFile) + 15) & ~std::size_t{15};

int shim_close(sqlite3_file* f) {
  auto* file = reinterpret_cast<ShimFile*>(f);
  const int rc =
      file->real->pMethods != nullptr ? file->real->pMethods->xClose(file->real) : SQLITE_OK;
  delete file->path;
  file->path = nullptr;
  return rc;
}

int shim_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), out, amount, offset);
}

int shim_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  auto* file = reinterpret_cast<ShimFile*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (file->path != nullptr) {
    ++s.writes;
    if (s.cut_at_write != 0 && s.writes >= s.cut_at_write) cut_now(s);
  }
  if (s.cut) return SQLITE_IOERR_WRITE;
  if (file->path != nullptr) {
    sqlite3_int64 size = 0;
    if (int rc = file->real->pMethods->xFileSize(file->real, &size); rc != SQLITE_OK) return rc;
    PreImage pre{offset, {}};
    const sqlite3_int64 inside =
        std::min<sqlite3_int64>(amount, std::max<sqlite3_int64>(0, size - offset));
    if (inside > 0) {
      pre.bytes.resize(static_cast<std::size_t>(inside));
      const int rc = file->real->pMethods->xRead(file->real, pre.bytes.data(),
                                                 static_cast<int>(inside), offset);
      if (rc != SQLITE_OK) return rc;
    }
    s.files[*file->path].undo.push_back(std::move(pre));
  }
  return file->real->pMethods->xWrite(file->real, data, amount, offset);
}

int shim_truncate(sqlite3_file* f, sqlite3_int64 new_size) {
  auto* file = reinterpret_cast<ShimFile*>(f);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.cut) return SQLITE_IOERR_TRUNCATE;
  if (file->path != nullptr) {
    sqlite3_int64 size = 0;
    if (int rc = file->real->pMethods->xFileSize(file->real, &size); rc != SQLITE_OK) return rc;
    if (size > new_size) {
      PreImage pre{new_size, std::string(static_cast<std::size_t>(size - new_size), '\0')};
      const int rc = file->real->pMethods->xRead(file->real, pre.bytes.data(),
                                                 static_cast<int>(pre.bytes.size()), new_size);
      if (rc != SQLITE_OK) return rc;
      s.files[*file->path].undo.push_back(std::move(pre));
    }
  }
  return file->real->pMethods->xTruncate(file->real, new_size);
}

int shim_sync(sqlite3_file* f, int flags) {
  auto* file = reinterpret_cast<ShimFile*>(f);
  State& s = state();
  // Held across the real fsync: a sync that succeeds is wholly before a cut.
  std::lock_guard lock(s.mu);
  ++s.syncs;
  if (s.cut_at_sync != 0 && s.syncs >= s.cut_at_sync) cut_now(s);
  if (s.cut) return SQLITE_IOERR_FSYNC;
  const int rc = file->real->pMethods->xSync(file->real, flags);
  if (rc != SQLITE_OK || file->path == nullptr) return rc;
  Tracked& t = s.files[*file->path];
  sqlite3_int64 size = 0;
  if (int size_rc = file->real->pMethods->xFileSize(file->real, &size); size_rc != SQLITE_OK) {
    return size_rc;
  }
  t.synced_size = size;
  t.created_unsynced = false;  // the unix VFS fsyncs the directory of a new journal/WAL too
  t.undo.clear();
  return rc;
}

int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int shim_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int shim_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int shim_device_characteristics(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
// The -shm is shared memory: passed through untracked, deleted at revert.
int shim_shm_map(sqlite3_file* f, int page, int page_size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, page_size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int shim_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

// Version 2: shared memory but no xFetch, so every page write goes through shim_write.
const sqlite3_io_methods kMethods = {
    2,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved,
    shim_file_control,
    shim_sector_size,
    shim_device_characteristics,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    nullptr,
    nullptr,
};

int shim_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<ShimFile*>(f);
  file->base.pMethods = nullptr;
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kShimSize);
  file->path = nullptr;
  const bool tracked =
      name != nullptr &&
      (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
  bool existed = true;
  if (tracked) existed = ::access(name, F_OK) == 0;
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    if (s.cut && !existed && (flags & SQLITE_OPEN_CREATE) != 0) return SQLITE_CANTOPEN;
  }
  const int rc = root_vfs->xOpen(root_vfs, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  file->base.pMethods = &kMethods;
  if (tracked) {
    file->path = new std::string(name);
    std::lock_guard lock(s.mu);
    auto [it, fresh] = s.files.try_emplace(*file->path);
    if (fresh) {
      it->second.created_unsynced = !existed;
      sqlite3_int64 size = 0;
      if (existed && file->real->pMethods->xFileSize(file->real, &size) == SQLITE_OK) {
        it->second.synced_size = size;
      }
      if ((flags & SQLITE_OPEN_MAIN_DB) != 0) s.databases.push_back(*file->path);
    }
  }
  return SQLITE_OK;
}

int shim_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.cut) return SQLITE_IOERR_DELETE;
  const int rc = root_vfs->xDelete(root_vfs, name, sync_dir);
  if (rc == SQLITE_OK) s.files.erase(name);
  return rc;
}

int shim_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return root_vfs->xAccess(root_vfs, name, flags, out);
}
int shim_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return root_vfs->xFullPathname(root_vfs, name, n, out);
}
void* shim_dl_open(sqlite3_vfs*, const char* name) {
  return root_vfs->xDlOpen(root_vfs, name);
}
void shim_dl_error(sqlite3_vfs*, int n, char* out) {
  root_vfs->xDlError(root_vfs, n, out);
}
void (*shim_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return root_vfs->xDlSym(root_vfs, handle, symbol);
}
void shim_dl_close(sqlite3_vfs*, void* handle) {
  root_vfs->xDlClose(root_vfs, handle);
}
int shim_randomness(sqlite3_vfs*, int n, char* out) {
  return root_vfs->xRandomness(root_vfs, n, out);
}
int shim_sleep(sqlite3_vfs*, int micros) {
  return root_vfs->xSleep(root_vfs, micros);
}
int shim_current_time(sqlite3_vfs*, double* out) {
  return root_vfs->xCurrentTime(root_vfs, out);
}
int shim_get_last_error(sqlite3_vfs*, int n, char* out) {
  return root_vfs->xGetLastError(root_vfs, n, out);
}
int shim_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return root_vfs->xCurrentTimeInt64(root_vfs, out);
}

Status write_at(int fd, const std::string& bytes, off_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error("io_error", "pwrite " + path + ": " + std::strerror(errno), path);
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status revert_file(const std::string& path, const Tracked& t) {
  if (t.created_unsynced) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return make_error("io_error", "unlink " + path + ": " + std::strerror(errno), path);
    }
    return Status::Ok();
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return make_error("io_error", "open " + path + ": " + std::strerror(errno), path);
  Status s = Status::Ok();
  for (auto it = t.undo.rbegin(); it != t.undo.rend() && s.ok(); ++it) {
    s = write_at(fd, it->bytes, static_cast<off_t>(it->offset), path);
  }
  if (s.ok() && ::ftruncate(fd, static_cast<off_t>(t.synced_size)) != 0) {
    s = make_error("io_error", "ftruncate " + path + ": " + std::strerror(errno), path);
  }
  if (s.ok() && ::fsync(fd) != 0) {
    s = make_error("io_error", "fsync " + path + ": " + std::strerror(errno), path);
  }
  ::close(fd);
  return s;
}

sqlite3_vfs* make_vfs() {
  root_vfs = sqlite3_vfs_find(nullptr);
  if (root_vfs == nullptr) std::abort();
  static sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(kShimSize) + root_vfs->szOsFile;
  vfs.mxPathname = root_vfs->mxPathname;
  vfs.zName = FaultVfs::kName;
  vfs.xOpen = shim_open;
  vfs.xDelete = shim_delete;
  vfs.xAccess = shim_access;
  vfs.xFullPathname = shim_full_pathname;
  vfs.xDlOpen = shim_dl_open;
  vfs.xDlError = shim_dl_error;
  vfs.xDlSym = shim_dl_sym;
  vfs.xDlClose = shim_dl_close;
  vfs.xRandomness = shim_randomness;
  vfs.xSleep = shim_sleep;
  vfs.xCurrentTime = shim_current_time;
  vfs.xGetLastError = shim_get_last_error;
  vfs.xCurrentTimeInt64 = shim_current_time_int64;
  if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK) std::abort();
  return &vfs;
}

}  // namespace

FaultVfs& FaultVfs::get() {
  static FaultVfs* instance = [] {
    make_vfs();
    return new FaultVfs();
  }();
  return *instance;
}

void FaultVfs::cut_power() {
  State& s = state();
  std::lock_guard lock(s.mu);
  cut_now(s);
}

void FaultVfs::cut_power_at_write(std::int64_t n) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.cut_at_write = s.writes + std::max<std::int64_t>(n, 1);
}

void FaultVfs::cut_power_at_sync(std::int64_t n) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.cut_at_sync = s.syncs + std::max<std::int64_t>(n, 1);
}

bool FaultVfs::power_is_cut() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.cut;
}

void FaultVfs::on_power_cut(std::function<void()> hook) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.hook = std::move(hook);
}

Result<FaultVfs::Reverted> FaultVfs::revert_unsynced() {
  State& s = state();
  std::lock_guard lock(s.mu);
  Reverted out;
  Status first = Status::Ok();
  for (const auto& [path, tracked] : s.files) {
    if (!tracked.created_unsynced && tracked.undo.empty()) {
      // Unchanged since its last sync, but its size may still differ (a write we never saw
      // cannot happen; a truncate is in the undo log), so nothing to do.
      continue;
    }
    ++out.files;
    out.undone += static_cast<std::int64_t>(tracked.undo.size());
    if (auto r = revert_file(path, tracked); !r.ok() && first.ok()) first = r;
  }
  for (const auto& db : s.databases) {
    const std::string shm = db + "-shm";
    if (::unlink(shm.c_str()) != 0 && errno != ENOENT && first.ok()) {
      first = make_error("io_error", "unlink " + shm + ": " + std::strerror(errno), shm);
    }
  }
  s.files.clear();
  s.databases.clear();
  s.cut = false;
  s.cut_at_write = 0;
  s.cut_at_sync = 0;
  if (!first.ok()) return first.error();
  return out;
}

void FaultVfs::reset() {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.files.clear();
  s.databases.clear();
  s.cut = false;
  s.cut_at_write = 0;
  s.cut_at_sync = 0;
  s.writes = 0;
  s.syncs = 0;
  s.hook = nullptr;
}

std::int64_t FaultVfs::writes() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.writes;
}

std::int64_t FaultVfs::syncs() const {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.syncs;
}

}  // namespace accord::testing
