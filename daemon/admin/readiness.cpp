#include "admin/readiness.hpp"

namespace fw::admin {
namespace {

void append_line(std::string& out, std::string_view prefix, const ReadinessCheck& c) {
  out += prefix;
  out += c.name;
  if (!c.detail.empty()) {
    out += ": ";
    out += c.detail;
  }
  out += '\n';
}

}  // namespace

Response readiness_response(const std::vector<ReadinessCheck>& checks) {
  std::string body;
  bool ready = true;
  for (const auto& c : checks) {
    if (c.ok) continue;
    ready = false;
    append_line(body, "not ready: ", c);
  }
  if (ready) body = "ready\n";
  for (const auto& c : checks)
    if (c.ok) append_line(body, "ok: ", c);
  return Response::text(ready ? 200 : 503, std::move(body));
}

}  // namespace fw::admin
