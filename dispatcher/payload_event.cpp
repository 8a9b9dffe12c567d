#include "dispatcher/payload_event.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "common/payload.hpp"

namespace rtmp::dispatcher {
namespace {

namespace json = boost::json;
namespace pb = google::protobuf;

std::optional<double> number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();  // NaN and the infinities
  return std::nullopt;
}

template <typename T>
std::optional<T> integer(const json::value& v) {
  if (v.is_int64()) return static_cast<T>(v.get_int64());
  if (v.is_uint64()) return static_cast<T>(v.get_uint64());
  return std::nullopt;
}

// Sets one scalar field from a JSON value of the matching kind; a mismatch
// leaves it unset.
void set_field(pb::Message& msg, const pb::FieldDescriptor* fd, const json::value& v) {
  const pb::Reflection* r = msg.GetReflection();
  if (fd->is_repeated()) return;
  switch (fd->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      if (auto n = integer<int32_t>(v)) r->SetInt32(&msg, fd, *n);
      return;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      if (auto n = integer<int64_t>(v)) r->SetInt64(&msg, fd, *n);
      return;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      if (auto n = integer<uint32_t>(v)) r->SetUInt32(&msg, fd, *n);
      return;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      if (auto n = integer<uint64_t>(v)) r->SetUInt64(&msg, fd, *n);
      return;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      if (auto n = number(v)) r->SetDouble(&msg, fd, *n);
      return;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      if (auto n = number(v)) r->SetFloat(&msg, fd, static_cast<float>(*n));
      return;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (v.is_bool()) r->SetBool(&msg, fd, v.get_bool());
      return;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (v.is_string()) r->SetString(&msg, fd, std::string(v.get_string()));
      return;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      if (v.is_string()) {
        if (const auto* e = fd->enum_type()->FindValueByName(std::string(v.get_string())))
          r->SetEnum(&msg, fd, e);
      }
      return;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      return;
  }
}

}  // namespace

std::optional<rtmphooks::Event> event_from_payload(std::string_view payload, std::string& why) {
  json::error_code ec;
  const json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) {
    why = "payload is not a JSON object";
    return std::nullopt;
  }
  const json::object& o = v.get_object();
  const auto* type = o.if_contains("type");
  const auto event_type =
      type && type->is_string() ? common::event_type_from_name(type->get_string()) : std::nullopt;
  if (!event_type) {
    why = "payload has no known event type";
    return std::nullopt;
  }
  rtmphooks::Event event;
  event.set_type(*event_type);
  const pb::Descriptor* d = rtmphooks::Event::descriptor();
  for (const auto& [key, value] : o) {
    if (key == "type" || key == "data") continue;
    const pb::FieldDescriptor* fd = d->FindFieldByName(std::string(key));
    if (fd && !fd->containing_oneof()) set_field(event, fd, value);
  }
  const pb::FieldDescriptor* data_fd = d->FindFieldByName(std::string(type->get_string()));
  const auto* data = o.if_contains("data");
  if (data_fd && data_fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
    pb::Message* msg = event.GetReflection()->MutableMessage(&event, data_fd);
    if (data && data->is_object()) {
      for (const auto& [key, value] : data->get_object()) {
        if (const auto* fd = msg->GetDescriptor()->FindFieldByName(std::string(key)))
          set_field(*msg, fd, value);
      }
    }
  }
  return event;
}

}  // namespace rtmp::dispatcher
