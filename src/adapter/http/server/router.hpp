#pragma once
// The route table: a method and a path pattern to a Route.
//
// Patterns: "/healthz" matches that path exactly; a "{name}" segment matches one non-empty
// segment and hands its value to the route (Request::params, in order); a trailing "*" matches
// any rest, including nothing ("/storage/*"). The first route added that matches wins. HEAD falls
// back to the GET route of the same path when no HEAD route matches.

#include <string>
#include <string_view>
#include <vector>

#include "adapter/http/server/exchange.hpp"

namespace toq::http {

class Router {
 public:
  void add(std::string_view method, std::string pattern, Route route);
  void add(std::initializer_list<std::string_view> methods, const std::string& pattern,
           const Route& route);

  // The route for this method and decoded path, with the pattern's parameters; nullptr when none.
  const Route* match(std::string_view method, std::string_view path,
                     std::vector<std::string>& params) const;

 private:
  struct Entry {
    std::string method;
    std::vector<std::string> segments;  // the pattern split on '/'
    bool prefix = false;                // ended in "*"
    Route route;
  };
  const Route* find(std::string_view method, std::string_view path,
                    std::vector<std::string>& params) const;
  std::vector<Entry> entries_;
};

}  // namespace toq::http
