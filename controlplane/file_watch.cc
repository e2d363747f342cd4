#include "controlplane/file_watch.h"

#include <sys/stat.h>

namespace sluice::cp {

FileWatch::FileWatch(std::string path) : path_(std::move(path)) { reset(); }

FileWatch::Stamp FileWatch::stamp() const {
  struct stat st {};
  Stamp s;
  if (::stat(path_.c_str(), &st) != 0) return s;
  s.exists = true;
  s.inode = st.st_ino;
  s.size = static_cast<uint64_t>(st.st_size);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return s;
}

bool FileWatch::changed() {
  const Stamp now = stamp();
  if (now == last_) return false;
  last_ = now;
  return now.exists;  // a file that vanished (mid-rename) is not a new policy yet
}

void FileWatch::reset() { last_ = stamp(); }

}  // namespace sluice::cp
