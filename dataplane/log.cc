#include "dataplane/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace sluice::dp {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
constexpr const char* kLevelNames[] = {"error", "warning", "info", "debug"};

void vlog(LogLevel level, const char* fmt, va_list ap) {
  if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char line[1024];
  int n = std::snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sluiced %s: ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, ts.tv_nsec / 1000000, kLevelNames[static_cast<int>(level)]);
  std::vsnprintf(line + n, sizeof line - static_cast<size_t>(n), fmt, ap);
  std::fprintf(stderr, "%s\n", line);
}

}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

void log_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(LogLevel::kError, fmt, ap);
  va_end(ap);
}

void log_warning(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(LogLevel::kWarning, fmt, ap);
  va_end(ap);
}

void log_info(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(LogLevel::kInfo, fmt, ap);
  va_end(ap);
}

void log_debug(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(LogLevel::kDebug, fmt, ap);
  va_end(ap);
}

}  // namespace sluice::dp
