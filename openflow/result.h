// Result<T>: the error-carrying return type for set-up and control code (never per packet).
// An Error is a sentence with context, suitable for printing to an operator as is.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace sluice {

struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected<Error>(Error{std::move(message)});
}

}  // namespace sluice
