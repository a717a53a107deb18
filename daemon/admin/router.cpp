#include "admin/router.hpp"

#include <algorithm>
#include <utility>

namespace fw::admin {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

// How well a route's path fits: -1 no match; exact beats any prefix; a longer
// prefix beats a shorter one.
long specificity(const std::string& route_path, PathMatch match, std::string_view path) {
  if (match == PathMatch::exact) return route_path == path ? static_cast<long>(path.size()) + 1'000'000 : -1;
  return path.starts_with(route_path) ? static_cast<long>(route_path.size()) : -1;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

Response Response::text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

void Router::add(std::string method, std::string path, Handler handler, PathMatch match) {
  for (auto& r : routes_) {
    if (r.method == method && r.path == path && r.match == match) {
      r.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back(Route{std::move(method), std::move(path), match, std::move(handler)});
}

Response Router::dispatch(const Request& request) const {
  const std::string_view path = request.path;

  // The most specific route for `method`, or nullptr.
  auto best_for = [&](std::string_view method) -> const Route* {
    const Route* best = nullptr;
    long best_score = -1;
    for (const auto& r : routes_) {
      if (r.method != method) continue;
      const long score = specificity(r.path, r.match, path);
      if (score > best_score) {
        best = &r;
        best_score = score;
      }
    }
    return best;
  };

  const Route* route = best_for(request.method);
  if (route == nullptr && request.method == "HEAD") route = best_for("GET");
  if (route != nullptr) return route->handler(request);

  std::vector<std::string> allowed;
  for (const auto& r : routes_) {
    if (specificity(r.path, r.match, path) < 0) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
    if (r.method == "GET" && std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end())
      allowed.push_back("HEAD");
  }
  if (allowed.empty()) return Response::text(404, "not found\n");

  std::sort(allowed.begin(), allowed.end());
  std::string allow;
  for (const auto& m : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  Response r = Response::text(405, "method not allowed\n");
  r.headers.push_back(Header{"Allow", std::move(allow)});
  return r;
}

}  // namespace fw::admin
