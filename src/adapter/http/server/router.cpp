#include "adapter/http/server/router.hpp"

namespace toq::http {
namespace {

// "/a/b/" -> {"a", "b", ""}: the leading '/' dropped, every other kept as a separator.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.starts_with('/')) path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void Router::add(std::string_view method, std::string pattern, Route route) {
  Entry entry;
  entry.method = std::string{method};
  if (pattern.ends_with('*')) {
    entry.prefix = true;
    pattern.pop_back();
  }
  std::string_view p = pattern;
  if (entry.prefix && p.ends_with('/')) p.remove_suffix(1);
  for (const auto segment : split(p)) entry.segments.emplace_back(segment);
  entry.route = std::move(route);
  entries_.push_back(std::move(entry));
}

void Router::add(std::initializer_list<std::string_view> methods, const std::string& pattern,
                 const Route& route) {
  for (const auto method : methods) add(method, pattern, route);
}

const Route* Router::find(std::string_view method, std::string_view path,
                          std::vector<std::string>& params) const {
  if (!path.starts_with('/')) return nullptr;
  const auto segments = split(path);
  for (const auto& entry : entries_) {
    if (entry.method != method) continue;
    if (entry.prefix ? segments.size() <= entry.segments.size()
                     : segments.size() != entry.segments.size()) {
      continue;
    }
    std::vector<std::string> found;
    bool ok = true;
    for (std::size_t i = 0; ok && i < entry.segments.size(); ++i) {
      const auto& want = entry.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        ok = !segments[i].empty();
        found.emplace_back(segments[i]);
      } else {
        ok = want == segments[i];
      }
    }
    if (!ok) continue;
    params = std::move(found);
    return &entry.route;
  }
  return nullptr;
}

const Route* Router::match(std::string_view method, std::string_view path,
                           std::vector<std::string>& params) const {
  if (const auto* route = find(method, path, params)) return route;
  if (method == "HEAD") return find("GET", path, params);
  return nullptr;
}

}  // namespace toq::http
