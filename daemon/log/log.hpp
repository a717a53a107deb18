// Structured logging: one line per event, logfmt or JSON, to stderr.
//
//   fw::log::warn("frame rejected", {{"source", name}, {"reason", "not_json"}, {"excerpt", ex}});
//
// Thread-safe (one mutex around the write). Not for per-event hot paths:
// STYLE.md forbids logging per frame; count in a metric, log the exceptional.
// Pure modules (decode, match, alert) do not log at all.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace fw::log {

enum class Level : std::uint8_t { trace, debug, info, warn, error };
enum class Format : std::uint8_t { logfmt, json };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <class I, class = std::enable_if_t<std::is_arithmetic_v<I>>>
  Field(std::string_view k, I v) : key(k), value(std::to_string(v)) {}
};

void configure(Level level, Format format);
bool enabled(Level level) noexcept;
void write(Level level, std::string_view msg, std::initializer_list<Field> fields);

// Redirects output (tests); nullptr restores stderr.
void set_sink(void (*sink)(std::string_view line));

inline void trace(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::trace)) write(Level::trace, m, f); }
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::debug)) write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::info)) write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::warn)) write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(Level::error)) write(Level::error, m, f); }

// Escapes a string for a JSON string literal (without the quotes). Also used by excerpt().
std::string json_escape(std::string_view s);
// First `max` bytes of untrusted input, made printable (control bytes as \xNN), for error messages.
std::string excerpt(std::string_view s, std::size_t max = 120);

}  // namespace fw::log
