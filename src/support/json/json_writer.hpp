#pragma once
// A JSON document written straight into a string, without building a tree: for the answers on the
// hot path (the batch status), whose bytes must stay those the service wrote with nlohmann::json.
//
// Contract:
// - The calls write the document in order: begin_object / key / value ... / end_object,
//   begin_array / value ... / end_array; commas are the writer's. The caller keeps the nesting
//   right and writes an object's keys in the order the document has (nlohmann::json, which the
//   rest of the service uses, sorts them byte-wise).
// - The output is byte for byte what nlohmann::json::dump(-1, ' ', false,
//   error_handler_t::replace) writes for the same values: no whitespace; strings with '"', '\',
//   \b \t \n \f \r escaped and other characters below U+0020 as \u00xx, UTF-8 as is, and a
//   string that is not valid UTF-8 with each bad sequence replaced by U+FFFD as nlohmann does it;
//   integers in decimal; doubles in nlohmann's shortest round-trip form ("1.5", "12.0"), null
//   when not finite.
// - Appends to `out`; never throws beyond std::bad_alloc.

#include <cstdint>
#include <string>
#include <string_view>

namespace toq::support {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view name);

  void string(std::string_view text);
  void integer(std::int64_t value);
  void number(double value);
  void boolean(bool value);
  void null();
  // A value already written as JSON, appended as it is.
  void raw(std::string_view json);

  // key(name) and the value, for an object's members.
  void string(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  void integer(std::string_view name, std::int64_t value) {
    key(name);
    integer(value);
  }

 private:
  void before_value();
  void open(char bracket);   // a value starting an object or an array
  void close(char bracket);  // its end: the container is a value written at the outer level

  std::string& out_;
  bool comma_ = false;  // a value was written at this level: the next key or value needs a comma
};

}  // namespace toq::support
