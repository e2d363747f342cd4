// Control-process logging: one line per event on stderr, "2025-01-31T12:00:00.123Z INFO text".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sluice::cp {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void set_log_level(LogLevel min_level);
void log(LogLevel level, std::string_view text);
inline void log_info(std::string_view text) { log(LogLevel::kInfo, text); }
inline void log_warn(std::string_view text) { log(LogLevel::kWarn, text); }
inline void log_error(std::string_view text) { log(LogLevel::kError, text); }
inline void log_debug(std::string_view text) { log(LogLevel::kDebug, text); }

// "2025-01-31T12:00:00.123Z" (UTC, milliseconds).
std::string utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

}  // namespace sluice::cp
