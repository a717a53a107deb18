#include "net/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace fw::net {

std::string Url::origin() const {
  return std::string(tls ? "https://" : "http://") + host + ":" + port;
}

std::optional<Url> parse_url(std::string_view text, Scheme scheme, std::string_view what, std::string& error) {
  const std::string name(what);
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    error = name + " is not a valid absolute URL";
    return std::nullopt;
  }
  const boost::urls::url_view u = *parsed;
  Url out;
  const std::string_view s = u.scheme();
  if (scheme == Scheme::http && (s == "https" || s == "http")) {
    out.tls = s == "https";
  } else if (scheme == Scheme::websocket && (s == "wss" || s == "ws")) {
    out.tls = s == "wss";
  } else {
    error = name + (scheme == Scheme::http ? " must start with http:// or https://" : " must start with ws:// or wss://");
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    error = "credentials in the " + name + " are not supported; use headers (e.g. Authorization)";
    return std::nullopt;
  }
  out.host = u.host_address();
  if (out.host.empty()) {
    error = name + " has no host";
    return std::nullopt;
  }
  const auto ht = u.host_type();
  out.host_is_ip = ht == boost::urls::host_type::ipv4 || ht == boost::urls::host_type::ipv6 ||
                   ht == boost::urls::host_type::ipvfuture;
  out.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : (out.tls ? "443" : "80");
  out.host_header = u.encoded_host_and_port();
  out.where = (ht == boost::urls::host_type::ipv6 ? "[" + out.host + "]" : out.host) + ":" + out.port;
  out.path = u.encoded_path();
  if (out.path.empty() || out.path.front() != '/') out.path.insert(0, "/");
  out.target = out.path;
  out.has_query = u.has_query();
  out.has_fragment = u.has_fragment();
  if (out.has_query) {
    out.target += '?';
    out.target += u.encoded_query();
  }
  return out;
}

}  // namespace fw::net
