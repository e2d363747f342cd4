// FileWatch: notices that a file was replaced or rewritten (inode, size or mtime changed).
// Polled; editors that write a new file and rename it over the old one are caught by inode.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::cp {

class FileWatch {
 public:
  explicit FileWatch(std::string path);
  // True if the file differs from the last time changed() or reset() looked.
  bool changed();
  // Records the file's current identity without reporting a change.
  void reset();

 private:
  struct Stamp {
    bool exists = false;
    uint64_t inode = 0, size = 0;
    int64_t mtime_ns = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };
  Stamp stamp() const;

  std::string path_;
  Stamp last_;
};

}  // namespace sluice::cp
