#include "controlplane/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace sluice::cp {

namespace {

LogLevel g_min_level = LogLevel::kInfo;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

std::string utc_timestamp(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

void set_log_level(LogLevel min_level) { g_min_level = min_level; }

void log(LogLevel level, std::string_view text) {
  if (level < g_min_level) return;
  const std::string line = utc_timestamp() + " " + level_name(level) + " " + std::string(text) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace sluice::cp
