// The sidecar file <cache>.meta of a remote list, and other pure helpers of
// the remote module (no Asio, no network).
//
// Format: text, one "key value" per line, '#' comments, unknown keys ignored:
//   url_sha256 <hex>        the list url the validators belong to
//   etag <value>            ETag of the last 200 ("" = none)
//   last_modified <value>   Last-Modified of the last 200
//   changed_at_ms <int>     when the last 200 was stored (unix ms)
//   checked_at_ms <int>     when the last 200 or 304 was received (unix ms)
//   body_sha256 <hex>       SHA-256 of the cached body
// Header values cannot contain CR/LF, so a value runs to the end of its line.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fw::remote {

struct CacheMeta {
  std::string url_sha256;
  std::string etag;
  std::string last_modified;
  std::int64_t changed_at_ms = 0;  // 0 = unknown
  std::int64_t checked_at_ms = 0;
  std::string body_sha256;
};

// nullopt when the file is missing or unreadable (a damaged meta only costs
// one full download).
std::optional<CacheMeta> load_meta(const std::string& path);

// Writes path.tmp, optionally fsyncs it, renames it over `path`. Returns ""
// or what failed.
std::string save_meta(const std::string& path, const CacheMeta& meta, bool sync);

// Lower-case hex SHA-256 of `url` (the meta records this, not the url, which
// may carry a token in its query).
std::string url_fingerprint(std::string_view url);

// Lower-case hex SHA-256 of a file's content; "" when it cannot be read.
std::string file_sha256(const std::string& path);

}  // namespace fw::remote
